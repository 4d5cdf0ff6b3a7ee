// `ready:` as a zod field, with the JSON Schema an editor checks it against.
import { field, type JsonSchema } from './field.js';
import { parseProbe } from './probe.js';

const argvSchema = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } }] };
const strict = (properties: JsonSchema, required: string[]) => ({ type: 'object', properties, required, additionalProperties: false });

export const probe = field(
  {
    anyOf: [
      { type: 'string', pattern: '^\\s*(?:[Uu][Nn][Ii][Xx]:.|[Ff][Ii][Ll][Ee]:.|[Tt][Cc][Pp]:.|[Hh][Tt][Tt][Pp][Ss]?://.)' },
      strict({ http: { type: 'string', pattern: '^https?://.' }, status: { anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'string', pattern: '^\\s*[1-5]\\d\\d\\s*$' }] } }, ['http']),
      strict({ exec: argvSchema }, ['exec']),
      strict({ log: { type: 'string', minLength: 1, format: 'regex' } }, ['log']),
      strict({ fastcgi: { type: 'string', minLength: 1 }, path: { type: 'string', pattern: '^/' }, expect: { type: 'string' } }, ['fastcgi']),
    ],
  },
  parseProbe,
);
