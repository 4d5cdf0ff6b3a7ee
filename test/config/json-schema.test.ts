// `berth schema` must agree with the loader: a tiny JSON Schema checker (only the
// keywords the generated schema uses; any other keyword fails the test) runs both
// over the same table of files.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema, loadConfig } from '../../src/config/index.js';

type Schema = Record<string, unknown> | boolean;
const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'enum', 'const', 'pattern', 'minLength', 'minimum', 'maximum', 'minItems', 'items', 'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'anyOf', 'format']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** True when `v` is valid against `s`. */
function valid(s: Schema, v: unknown): boolean {
  if (typeof s === 'boolean') return s;
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`the checker does not know the keyword ${k}`);
  if (s.type !== undefined) {
    const types = ([] as string[]).concat(s.type as string | string[]);
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return false;
  }
  if (s.enum && !(s.enum as unknown[]).some((e) => e === v)) return false;
  if ('const' in s && s.const !== v) return false;
  if (typeof v === 'string') {
    if (s.pattern !== undefined && !new RegExp(s.pattern as string, 'u').test(v)) return false;
    if (s.minLength !== undefined && [...v].length < (s.minLength as number)) return false;
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < (s.minimum as number)) return false;
    if (s.maximum !== undefined && v > (s.maximum as number)) return false;
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < (s.minItems as number)) return false;
    if (s.items !== undefined && !v.every((x) => valid(s.items as Schema, x))) return false;
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>);
    if (((s.required ?? []) as string[]).some((k) => !(k in o))) return false;
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames !== undefined && !valid(s.propertyNames as Schema, k)) return false;
      const byPattern = patterns.filter(([p]) => new RegExp(p, 'u').test(k));
      if (k in props) {
        if (!valid(props[k]!, x)) return false;
      } else if (byPattern.length > 0) {
        if (!byPattern.every(([, ps]) => valid(ps, x))) return false;
      } else if (s.additionalProperties !== undefined && !valid(s.additionalProperties as Schema, x)) return false;
    }
  }
  if (s.anyOf && !(s.anyOf as Schema[]).some((x) => valid(x, v))) return false;
  return true;
}

const schema = configJsonSchema();
const DESIGN = readFileSync(path.join(import.meta.dirname, '../fixtures/config/design-example.yaml'), 'utf8');
const svc = (lines: string) => `services:\n  app:\n    command: yarn start\n${lines}`;

function loads(text: string): boolean {
  const dir = scratchDir('berth-schema-');
  writeFileSync(path.join(dir, 'berth.yaml'), text);
  writeFileSync(path.join(dir, '.env'), '');
  try {
    loadConfig(path.join(dir, 'berth.yaml'), { POSTGRES_PASSWORD: 'pw', PORT: '3000', SKIP: 'yes', FORMAT: 'json', T: '5s' }, { cwd: dir });
    return true;
  } catch {
    return false;
  }
}

const good = [
  DESIGN,
  'tasks:\n  - command: echo hi',
  'readyFile: false',
  'readyFile: /tmp/ready',
  '{"services": {"app": {"command": ["node", "server.js"], "readyTimeout": 0}}}',
  svc('    ready: tcp:${PORT}'),
  svc('    readyTimeout: ${T}\n    main: ${SKIP}'),
  'log: { format: "${FORMAT}" }',
  svc('    stopSignal: TERM'),
  svc('    stopSignal: 15'),
  svc('    ready: { http: "http://127.0.0.1/", status: 204 }'),
  svc('    ready: { exec: "pg_isready -U app" }'),
  svc('    ready: { fastcgi: "127.0.0.1:9000", path: /ping, expect: pong }'),
  svc('    dirs: [{ path: /run/app, mode: 750 }, { path: /x, mode: "0700", owner: 33 }]'),
  svc('    requires: nx.json'),
  'envFile: [.env]',
  'waitFor: ["tcp://db:5432", "http://api/health", "unix:/run/x.sock", "file:/tmp/x"]',
  'health: { listen: ":9090" }',
  'x-common: &c { restart: always }\nservices:\n  a:\n    <<: *c\n    command: a',
  'tasks:\n  - command: x\n    skip: "yes"\n    retries: "2"',
];

const bad = [
  svc('    readyTimout: 5s'),
  svc('    ready: sock:/var/run/php.sock'),
  svc('    readyTimeout: 10 seconds'),
  svc('    restart: sometimes'),
  svc('    stopSignal: SIGTREM'),
  svc('    main: maybe'),
  svc('    maxRestarts: -1'),
  svc('    preset: apache'),
  svc('    ready: { http: "http://x/", statuss: 200 }'),
  svc('    ready: { exec: [] }'),
  svc('    dirs: [{ owner: www-data }]'),
  svc('    dirs: [{ path: /x, mode: rwx }]'),
  'services:\n  "my app":\n    command: x',
  'tasks:\n  - name: migrate',
  'readyFile: true',
  'foo: 1',
  'log: { format: text }',
  'waitFor: ["postgres://db:5432"]',
  'health: { listen: "0.0.0.0:http" }',
  'env: { A: [1, 2] }',
  'secrets: ["pg pass"]',
  'services: [app]',
  '- a\n- b',
];

// What only the loader can tell: the schema is honest about shapes, not about these.
const looserInSchema = [
  svc('    ready: { log: "(" }'), // a regex that does not compile
  svc('    after: [app]'), // cycles and unknown names
  svc('    ready: tcp:99999'), // a port past 65535
  svc('    dirs: [{ path: /x, mode: 789 }]'), // a number mode with an 8 or 9
  'services:\n  app:\n    command: "yarn \'start"', // a quote never closed
];

describe('berth schema', () => {
  it('is a JSON Schema (2020-12) for the file as written', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('berth config');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it.each(good.map((t) => [t.split('\n')[0], t]))('accepts, as the loader does: %s', (_, text) => {
    expect(loads(text)).toBe(true);
    expect(valid(schema, parse(text, { merge: true }))).toBe(true);
  });

  it.each(bad.map((t) => [t.split('\n').at(-1), t]))('rejects, as the loader does: %s', (_, text) => {
    expect(loads(text)).toBe(false);
    expect(valid(schema, parse(text, { merge: true }))).toBe(false);
  });

  it.each(looserInSchema.map((t) => [t.split('\n').at(-1), t]))('leaves to the loader: %s', (_, text) => {
    expect(loads(text)).toBe(false);
    expect(valid(schema, parse(text, { merge: true }))).toBe(true);
  });
});
