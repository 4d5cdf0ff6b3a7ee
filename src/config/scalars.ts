// The small value kinds of the config: durations, flags, counts, signals, modes, names.
import { field, ok, fail, type Parsed } from './field.js';
import { expected, quote } from './describe.js';
import { parseDuration, tooLong, DURATION_EXPECTED, DURATION_PATTERN } from './duration.js';
import { parseSignal, SIGNAL_NAMES, SIGNAL_NUMBERS } from './signal.js';
import { FORWARDED_SIGNALS, MAX_REPLICAS, SIMPLE_NAME, SIMPLE_NAME_RULE } from './constants.js';

const anyCase = (w: string) => [...w].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function parseFlag(v: unknown): Parsed<boolean> {
  if (typeof v === 'boolean') return ok(v);
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (s !== undefined && TRUE.includes(s)) return ok(true);
  if (s !== undefined && FALSE.includes(s)) return ok(false);
  return fail(expected('true or false (or yes/no, 1/0)', v));
}

export const flag = field(
  { anyOf: [{ type: 'boolean' }, { enum: [0, 1] }, { type: 'string', pattern: `^(?:${[...TRUE, ...FALSE].map(anyCase).join('|')})$` }] },
  parseFlag,
);

export const duration = field(
  { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: DURATION_PATTERN }] },
  (v) => {
    const ms = parseDuration(v);
    return ms === undefined ? fail(tooLong(v) ?? expected(DURATION_EXPECTED, v)) : ok(ms);
  },
);

/** A whole number ≥ 0; a numeric string too, since interpolation yields strings. */
export const count = field({ anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+\\s*$' }] }, (v) => {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? ok(n) : fail(expected('a whole number (0 or more)', v));
});

/** maxRestarts: a count, or `unlimited` (never give up). */
export const restartLimit = field(
  { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*(?:\\d+|[Uu][Nn][Ll][Ii][Mm][Ii][Tt][Ee][Dd])\\s*$' }] },
  (v) => {
    if (typeof v === 'string' && v.trim().toLowerCase() === 'unlimited') return ok('unlimited' as const);
    const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? ok<number | 'unlimited'>(n) : fail(expected('a whole number (0 or more) or unlimited', v));
  },
);
/** `replicas`: a whole number from 1 to MAX_REPLICAS. */
export const replicaCount = field({ anyOf: [{ type: 'integer', minimum: 1, maximum: MAX_REPLICAS }, { type: 'string', pattern: '^\\s*\\d+\\s*$' }] }, (v) => {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_REPLICAS ? ok(n) : fail(expected(`a whole number from 1 to ${MAX_REPLICAS}`, v));
});

const SHORT_NAMES = SIGNAL_NAMES.map((n) => anyCase(n.slice(3).toLowerCase()));
export const signal = field(
  {
    anyOf: [
      { type: 'string', pattern: `^\\s*(?:[Ss][Ii][Gg])?(?:${SHORT_NAMES.join('|')})\\s*$` },
      { type: 'string', pattern: `^\\s*(?:${SIGNAL_NUMBERS.join('|')})\\s*$` },
      { enum: SIGNAL_NUMBERS },
    ],
  },
  (v) => {
    const r = parseSignal(v);
    return r.ok ? ok(r.signal) : fail(r.message);
  },
);

/** A value written as a string, a number or a bool, kept as its string (env values, uids). */
export function stringish(what: string) {
  return field({ type: ['string', 'number', 'boolean'] }, (v) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? ok(String(v)) : fail(expected(what, v)),
  );
}

/** chmod-style mode: "0775", "775", "0o775", or 775 read as octal digits. */
export const mode = field({ anyOf: [{ type: 'string', pattern: '^(?:0o?)?[0-7]{3,4}$' }, { type: 'integer', minimum: 0, maximum: 7777 }] }, (v) => {
  const digits = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.replace(/^0o?(?=\d{3})/, '') : '';
  if (/^[0-7]{1,4}$/.test(digits) && (typeof v === 'number' || digits.length >= 3)) return ok(parseInt(digits, 8));
  return fail(expected('a file mode like "0775"', v));
});

export { NAME_MAX, SIMPLE_NAME, SIMPLE_NAME_RULE } from './constants.js';

export const simpleName = field({ type: 'string', pattern: SIMPLE_NAME.source }, (v) =>
  typeof v === 'string' && SIMPLE_NAME.test(v) ? ok(v) : fail(typeof v === 'string' ? `${quote(v)}: ${SIMPLE_NAME_RULE}` : expected('a name', v)),
);

/** A non-empty string; numbers are kept as their text (paths, users, owners). */
export function text(what: string) {
  return field({ anyOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] }, (v) =>
    (typeof v === 'string' && v !== '') || typeof v === 'number' ? ok(String(v)) : fail(expected(what, v)),
  );
}

const FORWARDED_TEXT = 'SIGHUP, SIGUSR1, SIGUSR2 or SIGWINCH';

/** One of the signals berth forwards; a stop signal (SIGTERM) is never forwarded, it stops berth. */
export const forwardedSignal = field(
  { type: 'string', pattern: `^\\s*(?:[Ss][Ii][Gg])?(?:${FORWARDED_SIGNALS.map((n) => anyCase(n.slice(3).toLowerCase())).join('|')})\\s*$` },
  (v) => {
    const r = parseSignal(v);
    if (!r.ok) return fail(`${r.message}; berth forwards ${FORWARDED_TEXT}`);
    if (!(FORWARDED_SIGNALS as readonly string[]).includes(r.signal)) return fail(`berth does not forward ${r.signal}; it forwards ${FORWARDED_TEXT}`);
    return ok(r.signal);
  },
);
