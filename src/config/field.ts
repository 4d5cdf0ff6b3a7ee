// A config field parsed by our own function (so its message is ours), with the JSON
// Schema it accepts declared beside it; json-schema.ts puts that schema in place.
// A field is plain data until schema.ts turns it into a zod schema (zodField), so that no
// module holds a zod object (vendor.ts).
import type { Zod } from './vendor.js';
import type { JsonSchema, Parsed } from './parsed.js';

export { ok, fail, type JsonSchema, type Parsed } from './parsed.js';

export interface Field<T> {
  readonly jsonSchema: JsonSchema;
  readonly parse: (input: unknown) => Parsed<T>;
}

const declared = new WeakMap<object, JsonSchema>();

export function field<T>(jsonSchema: JsonSchema, parse: (input: unknown) => Parsed<T>): Field<T> {
  return { jsonSchema, parse };
}

/** The zod schema of a field, with zod from its caller (schema.ts) */
export function zodField<T>(zod: Zod['z'], f: Field<T>) {
  const schema = zod.unknown().transform((input, ctx): T => {
    const r = f.parse(input);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message, input });
    return zod.NEVER;
  });
  declared.set(schema, f.jsonSchema);
  return schema;
}

export function declaredJsonSchema(schema: object): JsonSchema | undefined {
  return declared.get(schema);
}
