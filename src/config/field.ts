// A config field parsed by our own function (so its message is ours), with the JSON
// Schema it accepts declared beside it; json-schema.ts puts that schema in place.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

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

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (message: string): Parsed<never> => ({ ok: false, message });
