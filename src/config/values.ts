// The config's composite values: commands, env maps, wait-for resources, the health listener.
import type { Zod } from './vendor.js';
import type { Probe } from '../types.js';
import { field, ok, fail, zodField, type Parsed } from './field.js';
import { parseResource } from './resource.js';
import { expected, quote } from './describe.js';
import { parsePort, parseProbeString } from './probe.js';
import { closest } from './suggest.js';

/** A string (split later, or run by sh with `shell: true`) or an argv list. */
export const command = field(
  { anyOf: [{ type: 'string', pattern: '\\S' }, { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } }] },
  (v): Parsed<string | string[]> => {
    if (typeof v === 'string') return v.trim() === '' ? fail('the command is empty') : ok(v);
    if (Array.isArray(v) && v.length === 0) return fail('the command is empty');
    if (Array.isArray(v) && v.every((a) => ['string', 'number', 'boolean'].includes(typeof a))) return ok(v.map(String));
    return fail(expected('a command as a string or a list of strings', v));
  },
);

/** One thing or a list of them, as a list. */
export const pathList = (what: string) =>
  field({ anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }] }, (v): Parsed<string[]> => {
    const list = typeof v === 'string' ? [v] : v;
    return Array.isArray(list) && list.every((s) => typeof s === 'string' && s !== '') ? ok(list as string[]) : fail(expected(what, v));
  });

// __proto__ is a name no JavaScript object can hold as data: refused, never silently dropped
export const ENV_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

/** an `env:` name: not empty, no `=` or NUL, not __proto__ */
export const ENV_KEY = /^(?!__proto__$)[^=\0]+$/;

export const envValue = field({ type: ['string', 'number', 'boolean', 'null'] }, (v) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? ok(String(v)) : v === null ? ok('') : fail(expected('a string, a number or true/false', v)),
);

/** `env:`, built with zod by schema.ts (no module holds a zod object: vendor.ts) */
export const envMap = (zod: Zod['z']) =>
  zod.record(
    zod.string().regex(ENV_KEY, { error: (i) => `${quote(String(i.input))} cannot be an environment variable name (it is empty, holds "=", or is __proto__)` }),
    zodField(zod, envValue),
    { error: (i) => expected('a mapping of NAME: value', i.input) },
  );

export const secretName = field({ type: 'string', pattern: ENV_NAME.source }, (v) =>
  typeof v === 'string' && ENV_NAME.test(v) ? ok(v) : fail(expected('a variable name like POSTGRES_PASSWORD', v)),
);

/** A readyFile: a path, or false for none ("false" too, for ${BERTH_READY_FILE:-false}). */
export const readyFile = field({ anyOf: [{ const: false }, { type: 'string', minLength: 1 }] }, (v): Parsed<string | false> =>
  v === false || v === 'false' ? ok(false) : typeof v === 'string' && v !== '' ? ok(v) : fail(expected('a path or false', v)),
);

/** terminationLog: the same shape, a path or false */
export const pathOrFalse = readyFile;

export { parseResource, type Resource } from './resource.js';

export const resource = field({ type: 'string', pattern: '^\\s*(?:[Tt][Cc][Pp]:(?://)?(?:\\[[^\\]]+\\]|[^:/]+):\\d+\\s*$|[Hh][Tt][Tt][Pp][Ss]?://.|[Uu][Nn][Ii][Xx]:.|[Ff][Ii][Ll][Ee]:.)' }, parseResource);

/** health.listen: host:port, :port or a port alone (all interfaces). */
export const listen = field({ anyOf: [{ type: 'string', pattern: '^(?:\\[[^\\]]+\\]|[^:]*)?:?\\d+$' }, { type: 'integer', minimum: 1, maximum: 65535 }] }, (v): Parsed<{ host: string; port: number }> => {
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d+)$/.exec(String(typeof v === 'number' || typeof v === 'string' ? v : ''));
  const port = m ? parsePort(m[2]!) : undefined;
  if (!m || port === undefined) return fail(expected('host:port like 0.0.0.0:9090', v));
  return ok({ host: m[1]?.replace(/^\[|\]$/g, '') || '0.0.0.0', port });
});
