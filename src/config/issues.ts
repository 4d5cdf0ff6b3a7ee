// zod's issues → problems a user can act on, each pointing at its line and column.
import type { z } from 'zod';
import type { Problem } from './errors.js';
import type { Source } from './source.js';
import { expected, oneOf, quote } from './describe.js';
import { closest } from './suggest.js';
import { displayPath, startsWith, type KeyPath } from './key-path.js';
import type { ConfigSchemas } from './schema.js';

type Def = { type: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown; innerType?: unknown; in?: unknown };
const def = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The keys the schema allows in the mapping at `path`. */
export function keysAt(schema: unknown, path: KeyPath): string[] {
  let s = schema;
  for (let i = 0; ; ) {
    const d = def(s);
    if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable') s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else if (i === path.length) return d.type === 'object' ? Object.keys(d.shape!) : [];
    else if (d.type === 'object') s = d.shape![String(path[i++])];
    else if (d.type === 'record') (s = d.valueType, i++);
    else if (d.type === 'array') (s = d.element, i++);
    else return [];
    if (s === undefined) return [];
  }
}

const places = (s: ConfigSchemas): [string, string[], string][] => [
  ['a service setting', keysAt(s.serviceSchema, []), 'services.NAME.'],
  ['a task setting', keysAt(s.taskSchema, []), 'tasks[N].'],
  ['a job setting', keysAt(s.jobSchema, []), 'jobs.NAME.'],
  ['a top-level setting', keysAt(s.configSchema, []), ''],
];

function unknownKey(key: string, allowed: string[], schemas: ConfigSchemas): string {
  const near = closest(key, allowed);
  if (near !== undefined) return `unknown key; did you mean "${near}"?`;
  const elsewhere = places(schemas).find(([, keys]) => keys.includes(key));
  if (elsewhere) return `unknown key here; ${key} is ${elsewhere[0]} (${elsewhere[2]}${key}), is the indentation right?`;
  return `unknown key; expected one of ${oneOf(allowed)}`;
}

/** Messages for issues our schema did not word itself. */
export const errorMap = (iss: z.core.$ZodRawIssue): string | undefined => {
  if (iss.code === 'invalid_value') {
    const values = iss.values.map(String);
    const near = typeof iss.input === 'string' ? closest(iss.input, values) : undefined;
    return `${expected(`one of ${oneOf(values)}`, iss.input)}${near ? `; did you mean "${near}"?` : ''}`;
  }
  if (iss.code === 'invalid_type') {
    const what = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' }[iss.expected as string];
    return expected(what ?? iss.expected, iss.input);
  }
  return undefined;
};

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], source: Source, file: string, schemas: ConfigSchemas): Problem[] {
  const problems: Problem[] = [];
  const at = (path: KeyPath, message: string, where: 'key' | 'value' = 'value') =>
    problems.push({ file, ...source.where(path, where), path: displayPath(path), message });
  for (const iss of issues) {
    const path = iss.path as KeyPath;
    if (source.failed.some((f) => startsWith(path, f))) continue; // already said: the variable is not set
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) at([...path, key], unknownKey(key, keysAt(schemas.configSchema, path), schemas), 'key');
    } else if (iss.code === 'invalid_key') {
      at(path, iss.issues[0]?.message ?? `invalid key ${quote(String(path.at(-1)))}`, 'key');
    } else {
      at(path, iss.message);
    }
  }
  return problems;
}
