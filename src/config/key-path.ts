// Key paths: ['services', 'app', 'ready'] ↔ "services.app.ready", ['tasks', 0] ↔ "tasks[0]".

export type KeyPath = readonly (string | number)[];

const MAX_KEY_SHOWN = 60;

/** For messages: a key longer than anyone types is cut, so a 1 MB key is not echoed back whole. */
export function displayPath(path: KeyPath): string {
  const shown = (k: string) => (k.length > MAX_KEY_SHOWN ? `${k.slice(0, MAX_KEY_SHOWN)}…` : k);
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? shown(k) : `${s}.${shown(k)}`), '');
}

export function pathKey(path: KeyPath): string {
  return path.join('\u0000');
}

export function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(k) === String(path[i]));
}
