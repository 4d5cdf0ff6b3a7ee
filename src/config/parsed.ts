// The result of parsing one value as written: the value, or a message a user can act on.
// Kept free of zod so that a run without a config file never loads it.
export type JsonSchema = Record<string, unknown>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (message: string): Parsed<never> => ({ ok: false, message });
