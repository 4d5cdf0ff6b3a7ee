// `berth schema`: the config's JSON Schema, generated from the zod schema, for editors.
// It describes the file as written, so a string may also be a ${VAR} to interpolate.
import { configSchemas } from './schema.js';
import { requireZod } from './vendor.js';
import { declaredJsonSchema, type JsonSchema } from './field.js';

const INTERPOLATED = '\\$\\{';

/** Where the file holds a pattern or a closed set of strings, a "${VAR}" is fine too. */
function allowInterpolation(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(allowInterpolation);
  if (node === null || typeof node !== 'object') return;
  const n = node as JsonSchema;
  for (const [k, v] of Object.entries(n)) if (k !== 'propertyNames') allowInterpolation(v);
  if (typeof n.pattern === 'string') n.pattern = `(?:${n.pattern})|${INTERPOLATED}`;
  if (Array.isArray(n.enum) && n.enum.every((e) => typeof e === 'string')) {
    const { enum: values, type, ...rest } = n;
    for (const k of Object.keys(n)) delete n[k];
    Object.assign(n, rest, { anyOf: [{ type: 'string', enum: values }, { type: 'string', pattern: INTERPOLATED }] });
  }
}

export function configJsonSchema(): JsonSchema {
  const zod = requireZod();
  const schema = zod.z.toJSONSchema(configSchemas(zod).configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      const declared = declaredJsonSchema(ctx.zodSchema);
      if (declared === undefined) return;
      for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[k];
      Object.assign(ctx.jsonSchema, structuredClone(declared));
    },
  }) as JsonSchema;
  allowInterpolation(schema);
  schema.patternProperties = { '^x-': {} }; // anchors' home, ignored (load.ts)
  return {
    $schema: schema.$schema,
    title: 'berth config',
    description: 'berth.yaml / berth.json. Every string may use ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}; $$ is a literal $.',
    ...schema,
  };
}
