// Names from the config are plain data: every name berth accepts is supervised under that
// name; a name it cannot carry is refused (78) with the rule, never dropped or reinterpreted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { checkConfig } from '../../src/config/check.js';
import { nameFromProgram } from '../../src/plan/process.js';
import { mergeEnv } from '../../src/plan/env.js';
import { runBerth, tempDir } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => (t = tempDir('berth-hostile-names-')));
afterAll(() => t.cleanup());

const run = (config: string, env: Record<string, string> = {}) =>
  runBerth(['-c', t.write(`c-${++n}.yaml`, config)], { env: { BERTH_READY_FILE: join(t.dir, `ready-${n}`), ...env }, timeoutMs: 20_000 });
const load = (config: string) => {
  try {
    loadConfig(t.write(`l-${++n}.yaml`, config), {});
    return 'loaded';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('names a JavaScript object treats specially are supervised like any other', () => {
  it('services constructor, toString, hasOwnProperty and valueOf each start, print and exit under their own name', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    const r = await run(`services:\n${names.map((s) => `  ${s}: { command: [sh, -c, "echo I am ${s}"], restart: never }\n`).join('')}`);
    expect(r.code, r.stderr).toBe(0);
    for (const s of names) {
      expect(r.lines.some((l) => l.service === s && l.msg === `I am ${s}`), s).toBe(true);
      expect(r.lines.some((l) => l.event === 'service.exit' && l.service === s), s).toBe(true);
    }
  });

  it('an env variable named __proto__ is refused with the rule (it was silently dropped), in the config and in an env file', async () => {
    const inConfig = await run('env:\n  __proto__: x\nservices:\n  app: { command: [true] }\n');
    expect(inConfig.code).toBe(78);
    expect(inConfig.stderr + JSON.stringify(inConfig.lines)).toMatch(/env.__proto__: .*"__proto__\\?" cannot be a name or key in berth's config/);
    const file = t.write(`env-${++n}`, 'GOOD=1\n__proto__=x\n');
    const inFile = await run(`envFile: ${file}\nservices:\n  app: { command: [true] }\n`);
    expect(inFile.code).toBe(78);
    expect(inFile.stderr + JSON.stringify(inFile.lines)).toMatch(/__proto__ cannot be an environment variable name/);
  });

  it('env names such as constructor reach the child', () => {
    const { env } = mergeEnv({ inherited: {}, top: { constructor: 'c', toString: 't' } });
    expect(Object.keys(env).sort()).toEqual(['constructor', 'toString']);
  });

  it('a job named constructor is not "already the name of a service" when no service has that name', () => {
    const findings = checkConfig({ services: { app: { command: ['true'] } }, jobs: { constructor: { command: ['true'], schedule: '@hourly' } } } as never);
    expect(findings.map((f) => f.message).join('\n')).not.toMatch(/already the name/);
  });
});

describe('names berth cannot accept: 78 and the rule', () => {
  for (const [what, name] of [
    ['a colon (replicas are queue:2)', 'queue:2'],
    ['a space', 'my app'],
    ['a newline', 'a\\nb'],
    ['empty', ''],
    ['unicode', 'café'],
    ['a leading dash', '-x'],
    ['65 characters', 'a'.repeat(65)],
  ] as const) {
    it(what, () => {
      expect(load(`services:\n  "${name}": { command: [true] }\n`)).toMatch(/not a valid service name: a name may use letters, digits.*at most 64 characters/);
    });
  }

  it('__proto__, as a service name or any key (it was silently dropped: no service, exit 0)', () => {
    expect(load('services:\n  __proto__: { command: [true] }\n  app: { command: [true] }\n')).toMatch(/services.__proto__: "__proto__" cannot be a name or key in berth's config/);
  });

  it('64 characters is fine', () => {
    expect(load(`services:\n  ${'a'.repeat(64)}: { command: [true] }\n`)).toBe('loaded');
  });

  it('a task with a service\'s name (their lines and reports would mix)', () => {
    expect(load('tasks:\n  - { name: app, command: [true] }\nservices:\n  app: { command: [true] }\n')).toMatch(/"app" is already the name of a service; a task needs a name of its own/);
  });

  it('a task named after its program keeps to the rule: sanitised, at most 64 characters, never a service\'s name', () => {
    expect(nameFromProgram(`/bin/${'x'.repeat(200)}`).length).toBeLessThanOrEqual(60);
    expect(nameFromProgram('/opt/my prog:v2')).toBe('my-prog-v2');
  });
});
