// How a message names what it found: `got "10 seconds"`, `got a list`, `got nothing`.

const MAX_SHOWN = 60;

export function quote(s: string): string {
  const shown = s.length > MAX_SHOWN ? s.slice(0, MAX_SHOWN) + '…' : s;
  return JSON.stringify(shown);
}

export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'string') return v === '' ? 'an empty string' : quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** `expected X, got Y`, or `missing; expected X` when the key is absent. */
export function expected(what: string, got: unknown): string {
  return got === undefined ? `missing; expected ${what}` : `expected ${what}, got ${describeValue(got)}`;
}

/** "a, b or c" */
export function oneOf(items: readonly string[], last = 'or'): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}
