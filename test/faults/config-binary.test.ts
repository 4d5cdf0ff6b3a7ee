// Bad input through the real binary: what a user sees is an exit status of 64 or 78 and
// a message on stderr — never a stack trace, never a hang, never a process started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBerth, tempDir } from '../helpers/berth.js';
import { GOOD_ENV, GOOD_FILES, SEED, goodConfig, judge, mangledDuration, mangledProbe, mutate, mutation, serialize } from './fuzz.js';
import { mapLimit, nobody } from '../helpers/faults.js';

const STACK = /\n\s+at /;
let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-faults-bin-');
  chmodSync(t.dir, 0o755); // the unprivileged run must reach it
});
afterAll(() => t.cleanup());

/** what every refusal must look like */
function expectRefused(r: Awaited<ReturnType<typeof runBerth>>, codes: number[], what: string): void {
  expect(codes, `${what}: exit ${r.code}\nstderr: ${r.stderr.slice(0, 2000)}\nstdout: ${r.stdout.slice(0, 2000)}`).toContain(r.code);
  expect(r.stderr.trim(), `${what}: no message`).not.toBe('');
  expect(r.stderr, `${what}: a stack trace`).not.toMatch(STACK);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.events('service.start'), `${what}: something started`).toHaveLength(0);
  expect(r.events('task.start'), `${what}: something started`).toHaveLength(0);
}

const envFor = (dir: string, extra: Record<string, string> = {}) => ({ ...GOOD_ENV, PATH: process.env.PATH!, BERTH_READY_FILE: join(dir, 'ready'), ...extra });

describe('fuzzed configs through bin/berth.js', () => {
  it('30 configs the loader rejects in-process are refused the same way by the binary (64/78, a message, nothing started)', async () => {
    // the same generators as config-fuzz, judged in-process first; the rejected ones go to the binary
    const doc = fc.oneof(
      fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => mutate(goodConfig(), ms)),
      mangledProbe.map((ready) => ({ services: { app: { command: ['true'], ready } } })),
      mangledDuration.map((d) => ({ shutdownTimeout: d, services: { app: { command: ['true'], stopTimeout: d } } })),
    );
    const samples = fc.sample(fc.tuple(doc, fc.constantFrom('yaml', 'flow', 'json' as const)), { numRuns: 400, seed: SEED });
    const rejected: { text: string; name: string; exit: number }[] = [];
    for (const [d, how] of samples) {
      if (rejected.length === 30) break;
      const s = serialize(d, how);
      const v = judge({ ...s, env: envFor('/nonexistent'), files: GOOD_FILES });
      if (v.kind !== 'ok') rejected.push({ ...s, exit: v.exit });
    }
    expect(rejected).toHaveLength(30);
    await mapLimit(rejected, 4, async (c, i) => {
      const dir = join(t.dir, `sample-${i}`);
      mkdirSync(dir);
      for (const [name, body] of Object.entries(GOOD_FILES)) writeFileSync(join(dir, name), body);
      writeFileSync(join(dir, c.name), c.text);
      const r = await runBerth(['-c', c.name], { cwd: dir, env: envFor(dir), timeoutMs: 30_000 });
      expectRefused(r, [c.exit], `sample ${i}:\n${c.text.slice(0, 1500)}`);
    });
  });
});

describe('bad command lines', () => {
  const cases: [string, string[], number, RegExp, Record<string, string>?][] = [
    ['an unknown option', ['--nope', '--', 'true'], 64, /unknown option --nope/],
    ['a misspelled option', ['--ready-timout', '5s', '--', 'true'], 64, /did you mean --ready-timeout/],
    ['-c with no value', ['-c'], 64, /needs a value/],
    ['--config= empty', ['--config=', '--', 'true'], 64, /needs a value/],
    ['nothing to run', [], 64, /nothing to run/],
    ['a duration in words', ['--ready-timeout', 'soon', '--', 'true'], 64, /--ready-timeout: expected a duration/],
    ['a duration longer than a timer holds', ['--stop-timeout', '99999999999', '--', 'true'], 64, /longer than a timer can wait/],
    ['a made-up signal', ['--stop-signal', 'SIGFOO', '--', 'true'], 64, /unknown signal/],
    ['a log format that does not exist', ['--log-format', 'xml', '--', 'true'], 64, /--log-format/],
    ['a log level that does not exist', ['--log-level', 'loud', '--', 'true'], 64, /--log-level/],
    ['a wait-for resource with no scheme', ['--wait-for', 'nowhere', '--', 'true'], 64, /--wait-for/],
    ['an unknown probe', ['--ready', 'sock:/x', '--', 'true'], 64, /unknown probe/],
    ['a probe mapping that does not parse', ['--ready', '{ exec: [', '--', 'true'], 64, /--ready/],
    ['a port out of range', ['--ready', 'tcp:70000', '--', 'true'], 64, /65535/],
    ['health with a command', ['health', 'now'], 64, /takes no command/],
    ['--json for run', ['--json', '--', 'true'], 64, /--json goes with/],
    ['a config file that is not there', ['-c', 'missing.yaml'], 78, /not found/],
    ['BERTH_LOG_LEVEL nonsense', ['--', 'true'], 78, /BERTH_LOG_LEVEL/, { BERTH_LOG_LEVEL: 'loud' }],
    ['BERTH_LOG_FORMAT nonsense', ['--', 'true'], 78, /BERTH_LOG_FORMAT/, { BERTH_LOG_FORMAT: 'xml' }],
    ['BERTH_CONFIG pointing at nothing', ['--', 'true'], 78, /BERTH_CONFIG/, { BERTH_CONFIG: '/nonexistent/berth.yaml' }],
  ];
  it(`${cases.length} bad command lines: 64 (or 78 for the environment and files), a message, nothing started`, async () => {
    await mapLimit(cases, 4, async ([what, argv, code, message, env]) => {
      const r = await runBerth(argv, { cwd: t.dir, env: envFor(t.dir, env), timeoutMs: 30_000 });
      expectRefused(r, [code], what);
      expect(r.stderr, what).toMatch(message);
    });
  });
});

describe('config files that cannot be read as a config', () => {
  it('a directory, binary bytes, invalid UTF-8, a NUL, an empty file, /dev/null: 78 and why', async () => {
    const dir = join(t.dir, 'unreadable');
    mkdirSync(join(dir, 'adir'), { recursive: true });
    writeFileSync(join(dir, 'binary.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0xff, 0xfe, 0x00, 0x01]));
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('services:\n  caf\xe9:\n    command: x\n', 'latin1'));
    writeFileSync(join(dir, 'nul.yaml'), 'services:\n  app:\n    command: "a\0b"\n');
    writeFileSync(join(dir, 'empty.yaml'), '');
    writeFileSync(join(dir, 'comments.yaml'), '# nothing but a comment\n\n');
    const cases: [string, RegExp][] = [
      ['adir', /is a directory/],
      ['binary.yaml', /not text/],
      ['latin1.yaml', /not text/],
      ['nul.yaml', /not text/],
      ['empty.yaml', /empty/],
      ['comments.yaml', /empty/],
      ['/dev/null', /empty/],
    ];
    await mapLimit(cases, 4, async ([file, message]) => {
      const r = await runBerth(['-c', file], { cwd: dir, env: envFor(dir), timeoutMs: 30_000 });
      expectRefused(r, [78], file);
      expect(r.stderr, file).toMatch(message);
    });
  });

  it('a file its user may not read (run as an unprivileged user): 78, permission denied', async () => {
    const dir = join(t.dir, 'private');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'berth.yaml'), 'services:\n  app: { command: [true] }\n', { mode: 0o600 });
    chmodSync(join(dir, 'berth.yaml'), 0o600);
    const r = await runBerth(['-c', 'berth.yaml'], { cwd: dir, env: envFor(dir, { BERTH_READY_FILE: 'false' }), wrap: nobody(), timeoutMs: 30_000 });
    expectRefused(r, [78], 'unreadable');
    expect(r.stderr).toMatch(/permission denied/);
  });

  it('a byte-order mark is not an error', async () => {
    const dir = join(t.dir, 'bom');
    mkdirSync(dir);
    writeFileSync(join(dir, 'berth.yaml'), '\ufeffservices:\n  app: { command: [true] }\n');
    const r = await runBerth(['check', '-c', 'berth.yaml'], { cwd: dir, env: envFor(dir), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("names that are also properties of every JavaScript object", () => {
  // each of these once reached berth as a function or Object.prototype: exit 70 with a stack
  const cases: [string, string, RegExp][] = [
    ['a probe mapping keyed constructor', 'services:\n  app: { command: [true], ready: { constructor: x } }\n', /unknown probe key "constructor"/],
    ['a secret named constructor', 'secrets: [constructor]\nservices:\n  app: { command: [true] }\n', /neither constructor nor constructor_FILE is set/],
    ['a secret named __proto__', 'secrets: [__proto__]\nservices:\n  app: { command: [true] }\n', /secrets\[0\]: expected a variable name like POSTGRES_PASSWORD, got "__proto__"/],
    ['${constructor}', 'services:\n  app: { command: [echo, "${constructor}"] }\n', /constructor is not set/],
    ['${toString:?}', 'services:\n  app: { command: [echo, "${toString:?}"] }\n', /toString is not set/],
    ['an http status mapping with its own toString', 'services:\n  app: { command: [true], ready: { http: "http://127.0.0.1/", status: { toString: x } } }\n', /status: expected an HTTP status from 100 to 599, got a mapping/],
  ];
  it(`${cases.length} of them in probes, secrets, interpolation and a status: 78 and why`, async () => {
    await mapLimit(cases, 4, async ([what, text, message], i) => {
      const dir = join(t.dir, `proto-${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'berth.yaml'), text);
      const r = await runBerth(['-c', 'berth.yaml'], { cwd: dir, env: envFor(dir), timeoutMs: 30_000 });
      expectRefused(r, [78], what);
      expect(r.stderr, what).toMatch(message);
    });
  });
});

describe('interpolation errors', () => {
  const cases: [string, string, RegExp][] = [
    ['${VAR:?message}', 'services:\n  app:\n    command: [psql, -h, "${DB_HOST:?set DB_HOST to the database host}"]\n', /berth\.yaml:3:\d+ services\.app\.command\[2\]: DB_HOST is not set: set DB_HOST to the database host/],
    ['${VAR?} with no message', 'services:\n  app:\n    command: [echo, "${DB_HOST?}"]\n', /DB_HOST is not set: DB_HOST is required/],
    ['an unset ${VAR}', 'services:\n  app:\n    cwd: ${APP_DIR}\n    command: [true]\n', /services\.app\.cwd: APP_DIR is not set/],
    ['defaults nested past any sense (a loop written out)', `services:\n  app:\n    command: "${'${A:-'.repeat(5_000)}x${'}'.repeat(5_000)}"\n`, /nest more than 32 deep/],
    ['an unclosed ${', 'services:\n  app:\n    command: "echo ${HOME"\n', /unclosed "\$\{"/],
  ];
  it(`${cases.length} interpolation errors: 78 with the variable, the file, line and key`, async () => {
    await mapLimit(cases, 4, async ([what, text, message], i) => {
      const dir = join(t.dir, `interp-${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'berth.yaml'), text);
      const r = await runBerth(['-c', 'berth.yaml'], { cwd: dir, env: envFor(dir), timeoutMs: 30_000 });
      expectRefused(r, [78], what);
      expect(r.stderr, what).toMatch(message);
    });
  });

  it('a variable whose value looks like a reference is taken as it is (no loop)', async () => {
    const dir = join(t.dir, 'selfref');
    mkdirSync(dir);
    writeFileSync(join(dir, 'berth.yaml'), 'services:\n  app:\n    command: [echo, "${LOOP}"]\n');
    const r = await runBerth(['-c', 'berth.yaml'], { cwd: dir, env: envFor(dir, { LOOP: '${LOOP}' }), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.filter((l) => l.service === 'app' && l.stream).map((l) => l.msg)).toEqual(['${LOOP}']);
  });
});
