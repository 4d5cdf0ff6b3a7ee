// What the config fuzzers share: generators of bad input, and the one judgement every
// input must pass — berth's loader and plan builder accept it or say what is wrong
// (ConfigError 78, UsageError 64); anything else thrown is a bug (exit 70).
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { UsageError } from '../../src/errors.js';
import { buildPlan, type PlanOverrides } from '../../src/plan/index.js';
import type { Plan } from '../../src/types.js';

/** FAULTS_SEED=n picks another corner of the input space; the default keeps CI repeatable */
export const SEED = Number(process.env.FAULTS_SEED ?? 20261122);
/** FAULTS_RUNS=n scales every property's run count (local exploration) */
export const RUNS = (n: number) => Math.max(1, Math.round(n * Number(process.env.FAULTS_RUNS_SCALE ?? 1)));

/** Node's timers: a longer delay fires after 1 ms */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type Verdict =
  | { kind: 'ok'; plan: Plan; ms: number }
  | { kind: 'config' | 'usage'; message: string; exit: 78 | 64; ms: number };

export interface Input {
  text: string | Buffer;
  name?: string; // berth.yaml, berth.json …
  env?: Record<string, string | undefined>;
  cmdArgs?: string[];
  overrides?: PlanOverrides;
  /** extra files beside the config (an envFile, a secret file) */
  files?: Record<string, string>;
}

const STACK = /\n\s+at /;

/**
 * Loads and plans the input in-process. Returns the verdict; throws (failing the property)
 * for anything berth would turn into exit 70, and for a message that is empty or a stack.
 */
export function judge(input: Input): Verdict {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fuzz-'));
  const file = join(dir, input.name ?? 'berth.yaml');
  writeFileSync(file, input.text);
  for (const [name, body] of Object.entries(input.files ?? {})) writeFileSync(join(dir, name), body);
  const env = input.env ?? {};
  const t0 = performance.now();
  try {
    const loaded = loadConfig(file, env, { cwd: dir });
    const plan = buildPlan(loaded, { baseDir: dir, env, cmdArgs: input.cmdArgs, overrides: input.overrides, uid: 0, findPhpFpm: () => 'php-fpm' });
    return { kind: 'ok', plan, ms: performance.now() - t0 };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof ConfigError) {
      const message = e.format(dir);
      if (e.problems.length === 0 || message.trim() === '' || STACK.test(message)) throw new Error(`a config error with no usable message: ${JSON.stringify(message)}`);
      return { kind: 'config', message, exit: 78, ms };
    }
    if (e instanceof UsageError) {
      if (e.message.trim() === '' || STACK.test(e.message)) throw new Error(`a usage error with no usable message: ${JSON.stringify(e.message)}`);
      return { kind: 'usage', message: e.message, exit: 64, ms };
    }
    const shown = typeof input.text === 'string' ? input.text.slice(0, 2000) : `<${input.text.length} bytes>`;
    throw new Error(`berth's own bug (exit 70) on this input:\n${shown}\n--- env ${JSON.stringify(env).slice(0, 500)} overrides ${JSON.stringify(input.overrides ?? {}).slice(0, 500)}\n--- ${(e as Error)?.stack ?? String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every duration the plan holds: each must fit a timer (a longer one fires after 1 ms). */
export function planDurations(plan: Plan): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = { shutdownTimeout: plan.shutdownTimeoutMs, waitTimeout: plan.waitTimeoutMs };
  for (const t of plan.tasks) Object.assign(out, { [`${t.name}.timeout`]: t.timeoutMs, [`${t.name}.retryDelay`]: t.retryDelayMs });
  for (const s of plan.services) Object.assign(out, { [`${s.name}.readyTimeout`]: s.readyTimeoutMs, [`${s.name}.stopTimeout`]: s.stopTimeoutMs });
  return out;
}

// ---- generators ------------------------------------------------------------------

const NASTY_STRINGS = [
  '', ' ', '\t', '\n', '0', '-1', '1e309', 'NaN', 'Infinity', '-Infinity', 'null', '~', 'true', 'yes', 'off', '{}', '[]',
  '${', '${}', '${A', '${1X}', '${A:+x}', '${UNSET}', '${UNSET:?is required}', '${UNSET?}', '$$', '$', '${A:-${B:-${C}}}',
  '${HOME}', '${A-}', '\0', '\u2028', '\ud800', '\ufeff', '💥', 'é', 'SIGKILL', 'SIGSTOP', 'SIGFOO', 'TERM', '0x10', '0o777',
  'tcp:', 'tcp:0', 'tcp:65536', 'tcp://', 'tcp:host:', 'tcp:[::1]:80', 'tcp://[::1:80', 'unix:', 'unix:relative.sock', 'http://',
  'http://[::1', 'https://x:99999/', 'file:', 'sock:/x', 'exec', 'log', '99999999999', '99999999999ms', '9999999h', '1h1h1h',
  '1.5.s', '10 s', '-5s', '5S', '1e3ms', '.5s', '5.s', '1m30s', '0ms', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '*a', '&a', '!!js/function', '%', '@', '`', '"', "'", '\\', "'unterminated", '"also', 'a\\', '-', '--', '-c', 'x'.repeat(70_000),
  '0755', '8888', 'rwx', '99999:99999', 'root', 'nobody', '-1:-1', '/', '.', '..', '../../../../etc/passwd', '/dev/null',
];

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,8}:[0-9a-z/.:[\]@-]{0,20}$/) },
);

const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 1e21, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double(),
);

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[]], [{}], { __proto__: 1 }, JSON.parse('{"__proto__":{"x":1}}'), { toString: 'x', valueOf: 'y' }, [{ toString: 1 }]) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 3 }) },
);

/** A config that loads, touching every part of CONTRACT §2. The fixtures dir holds .env and the secret. */
export function goodConfig(): Record<string, unknown> {
  return {
    readyFile: '/run/berth/ready',
    shutdownTimeout: '9s',
    log: { format: 'json', level: 'info' },
    env: { NODE_ENV: 'production', PORT: 3000, DEBUG: false },
    envFile: '.env',
    secrets: ['TOKEN'],
    waitFor: ['tcp://db:5432', 'http://127.0.0.1:8080/health', 'unix:/run/x.sock', 'file:/tmp/x'],
    waitTimeout: '60s',
    health: { listen: '127.0.0.1:9090' },
    tasks: [
      { name: 'migrate', cwd: '.', command: ['true'], timeout: '5m', retries: 2, retryDelay: '3s', optional: false, skip: '${SKIP:-false}', requires: ['.env'], env: { A: 'b' } },
      { command: 'sh -c "exit 0"', shell: false },
    ],
    services: {
      app: {
        command: 'yarn start --port ${PORT:-3000}',
        cwd: '.',
        env: { A: '1' },
        user: 'root',
        ready: 'http://127.0.0.1:3000/health',
        readyTimeout: '90s',
        stopSignal: 'SIGTERM',
        stopTimeout: '8s',
        restart: 'on-failure',
        maxRestarts: 5,
        main: true,
        after: ['db'],
        requires: ['.env'],
        dirs: [{ path: '/tmp/berth-fuzz-dir', owner: 'root', mode: '0755' }],
      },
      db: { command: ['sleep', '1'], ready: 'tcp:5432', stopSignal: 15 },
      php: { preset: 'php-fpm', ready: { fastcgi: 'unix:/run/php.sock', path: '/ping', expect: 'pong' } },
      web: { preset: 'nginx', after: ['php'], ready: { http: 'http://127.0.0.1:80/', status: 204 } },
      tail: { command: 'x', shell: true, ready: { log: 'listening on \\d+' }, readyTimeout: 0 },
      probe: { command: ['x'], ready: { exec: ['pg_isready', '-q'] } },
      sock: { command: ['x'], ready: 'unix:/run/app.sock' },
      marker: { command: ['x'], ready: 'file:/tmp/ready-marker' },
    },
  };
}

export const GOOD_FILES = { '.env': 'FROM_FILE=1\nexport OTHER="two words"\n' };
export const GOOD_ENV = { TOKEN: 'tok-3f9a1c', PATH: '/usr/bin:/bin', HOME: '/root' };

type Path = (string | number)[];

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

export type Mutation = { pick: number; op: 'replace' | 'delete' | 'rename' | 'add' | 'wrap' | 'unwrap'; value: unknown; key: string };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'rename', 'add', 'wrap', 'unwrap'),
  value: nastyValue,
  key: nastyString,
});

/** Applies each mutation at a path chosen among the document's paths at that moment. */
export function mutate(doc: unknown, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(doc);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.pick % paths.length]!;
    if (path.length === 0) {
      if (m.op === 'replace') root = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
    const last = path.at(-1)!;
    const current = parent[last];
    switch (m.op) {
      case 'replace':
        parent[last] = m.value;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'rename':
        if (!Array.isArray(parent)) {
          delete parent[last];
          Object.defineProperty(parent, m.key, { value: current, enumerable: true, writable: true, configurable: true });
        }
        break;
      case 'add':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) Object.defineProperty(current, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
        else if (Array.isArray(current)) current.push(m.value);
        break;
      case 'wrap':
        parent[last] = [current];
        break;
      case 'unwrap':
        if (Array.isArray(current)) parent[last] = current[0];
        else if (current !== null && typeof current === 'object') parent[last] = Object.values(current)[0];
        break;
    }
  }
  return root;
}

/** YAML (block or flow) or JSON, as a user might write the same document. */
export const serialize = (doc: unknown, how: 'yaml' | 'flow' | 'json'): { text: string; name: string } => {
  if (how === 'json') return { text: JSON.stringify(doc, null, 2) ?? 'null', name: 'berth.json' };
  return { text: toYaml(doc, how === 'flow' ? { collectionStyle: 'flow', lineWidth: 0 } : { lineWidth: 0 }), name: 'berth.yaml' };
};

/** Text built from YAML's own punctuation and berth's keys: syntax errors, tags, anchors, merges. */
export const yamlishText = fc
  .array(
    fc.constantFrom(
      'services:', 'tasks:', '  app:', '    command: x', '    ready: tcp:80', '- ', '  - ', '? ', ': ', '&a ', '*a', '<<: *a', '!!binary ', '!!set ', '!!omap ',
      '!!timestamp ', '!foo ', '!!str ', '!!int ', '---', '...', '%YAML 1.2', '%TAG ! tag:x,2000:', '#', '{', '}', '[', ']', ',', '"', "'", '|', '>-',
      '\t', '  ', '\n', '\n', '\n', 'x', '${A}', '${A:?no}', '$$', '0o777', '0x1F', '1e3', '.inf', '.nan', 'null', '~', 'yes', '\u0000', '\ufeff', '\r',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** A probe as written in `ready:`, mangled: every form, bad ports, bad URLs, stray keys. */
export const mangledProbe: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.constantFrom('unix:', 'tcp:', 'http://', 'https://', 'file:', 'TCP:', 'Unix:', 'tcp://', 'htp://', 'sock:', '', 'tcp:[', 'http://['), nastyString).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('tcp:', 'tcp:127.0.0.1:', 'tcp:[::1]:', 'tcp:localhost:', 'http://127.0.0.1:', 'https://[::1]:'), fc.oneof(fc.integer({ min: -10, max: 70_000 }).map(String), nastyString)).map(([a, b]) => a + b),
  fc.record({ http: fc.oneof(nastyString, fc.constant('http://127.0.0.1/')), status: fc.option(nastyValue) }, { requiredKeys: ['http'] }),
  fc.record({ exec: fc.oneof(nastyValue, fc.array(nastyValue, { maxLength: 3 })) }),
  fc.record({ log: fc.oneof(nastyString, fc.constantFrom('(', '[', '(?<', '\\', '*', 'a{2,1}', '(a+)+$', '(?=x)', '\\p{L}')) }),
  fc.record({ fastcgi: nastyValue, path: nastyValue, expect: nastyValue }, { requiredKeys: ['fastcgi'] }),
  fc.dictionary(fc.constantFrom('http', 'exec', 'log', 'fastcgi', 'status', 'path', 'expect', 'tcp', 'unix', 'htp'), nastyValue, { minKeys: 0, maxKeys: 3 }),
  nastyValue,
);

/** A duration as written: every form, mangled, and numbers from tiny to absurd. */
export const mangledDuration: fc.Arbitrary<unknown> = fc.oneof(
  nastyNumber,
  fc.tuple(fc.oneof(fc.nat().map(String), fc.double({ min: 0, max: 1e12, noNaN: true }).map(String), fc.constantFrom('', '.', '1.', '.5', '١', '1e3', '-1', '99999999999')), fc.constantFrom('', 'ms', 's', 'm', 'h', 'd', 'S', 'sec', ' s', 'mss', 'hms')).map(([n, u]) => n + u),
  fc.array(fc.tuple(fc.nat({ max: 100_000 }), fc.constantFrom('ms', 's', 'm', 'h')), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([n, u]) => `${n}${u}`).join('')),
  fc.tuple(fc.constantFrom(' ', '\t', '\n', ''), fc.nat().map(String), fc.constantFrom('s', 'ms', ''), fc.constantFrom(' ', '\t', '', 'x')).map((p) => p.join('')),
  nastyString,
);
