// A config field parsed by our own function (so its message is ours), with the JSON
// Schema it accepts declared beside it; json-schema.ts puts that schema in place.
import { z } from 'zod';
import type { JsonSchema, Parsed } from './parsed.js';

export { ok, fail, type JsonSchema, type Parsed } from './parsed.js';

const declared = new WeakMap<object, JsonSchema>();

export function field<T>(jsonSchema: JsonSchema, parse: (input: unknown) => Parsed<T>) {
  const schema = z.unknown().transform((input, ctx): T => {
    const r = parse(input);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message, input });
    return z.NEVER;
  });
  declared.set(schema, jsonSchema);
  return schema;
}

export function declaredJsonSchema(schema: object): JsonSchema | undefined {
  return declared.get(schema);
}
