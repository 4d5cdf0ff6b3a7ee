// Key paths: ['services', 'app', 'ready'] ↔ "services.app.ready", ['tasks', 0] ↔ "tasks[0]".

export type KeyPath = readonly (string | number)[];

export function displayPath(path: KeyPath): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? k : `${s}.${k}`), '');
}

export function pathKey(path: KeyPath): string {
  return path.join('\u0000');
}

export function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(k) === String(path[i]));
}
