// Readiness through the real berth binary (DESIGN §5): each probe kind says `ready` and writes
// the ready file only once the service really accepts, or exits 69 with a ready.timeout that
// names what berth saw (a stale socket, a port held by another process tree, the port the
// service does listen on), and `after` starts a service only once the one before is ready.
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/proc.js';
import { tempDir, type Berth, type Line } from '../helpers/berth.js';
import { exitOf, freePort, processes, readJson, svc, timeOf } from '../fixtures/e2e-readiness/helpers.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-e2e-ready-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());

let n = 0;
/** a fresh directory and ready file path for one berth */
function place() {
  const dir = join(t.dir, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  return { dir, readyFile: join(dir, 'run', 'ready'), at: (name: string) => join(dir, name) };
}

/** the ready file as DESIGN §5 writes it, checked against what berth logged */
function expectReadyFile(path: string, b: Berth, ready: Line): void {
  const file = readJson(path) as { pid: number; startTime: number; readyAt: number; services: Record<string, { pid: number; readyAt: number }> };
  expect(file.pid).toBe(b.pid);
  expect(file.startTime).toBe(processStartTime(b.pid));
  expect(Math.abs(file.readyAt - timeOf(ready))).toBeLessThan(1000);
  expect(file.readyAt).toBeGreaterThanOrEqual(file.startTime);
  const started = b.events('service.start');
  expect(Object.keys(file.services).sort()).toEqual(started.map((s) => String(s.service)).sort());
  for (const s of started) {
    const entry = file.services[String(s.service)]!;
    expect(entry.pid).toBe(s.pid);
    expect(entry.readyAt).toBeLessThanOrEqual(file.readyAt);
    expect(entry.readyAt).toBeGreaterThanOrEqual(timeOf(s));
  }
}

interface Case {
  kind: string;
  /** berth's arguments: a --ready flag and a command, or -c with a config written here */
  args(p: ReturnType<typeof place>, port: number): string[];
}

/** a config file (JSON is YAML) in the case's directory */
const config = (p: ReturnType<typeof place>, body: Record<string, unknown>) => {
  const file = join(p.dir, 'berth.json');
  mkdirSync(p.dir, { recursive: true });
  writeFileSync(file, JSON.stringify(body, null, 2));
  return file;
};

const positive: Case[] = [
  { kind: 'unix', args: (p) => ['--ready', `unix:${p.at('app.sock')}`, '--', ...svc('unix', p.at('app.sock'), '--delay', 300)] },
  { kind: 'tcp', args: (_p, port) => ['--ready', `tcp:${port}`, '--', ...svc('tcp', '127.0.0.1', port, '--delay', 300)] },
  { kind: 'tcp with a host', args: (_p, port) => ['--ready', `tcp:127.0.0.1:${port}`, '--', ...svc('tcp', '127.0.0.1', port, '--delay', 300)] },
  { kind: 'http', args: (_p, port) => ['--ready', `http://127.0.0.1:${port}/health`, '--', ...svc('http', '127.0.0.1', port, 200, '--delay', 300)] },
  { kind: 'file', args: (p) => ['--ready', `file:${p.at('flag')}`, '--', ...svc('file', p.at('flag'), '--delay', 300)] },
  {
    kind: 'exec (config)',
    args: (p) => ['-c', config(p, {
      services: {
        app: {
          command: svc('file', p.at('flag'), '--delay', 300),
          ready: { exec: [process.execPath, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(p.at('flag'))}) ? 0 : 1)`] },
        },
      },
    })],
  },
  {
    kind: 'log (config)',
    args: (p) => ['-c', config(p, { services: { app: { command: svc('log', '--delay', 300), ready: { log: 'accepting connections$' } } } })],
  },
];

describe('each probe kind, when the service becomes ready', () => {
  it.each(positive)('$kind: logs service.ready then ready, and writes the ready file', async (c) => {
    const p = place();
    const b = procs.berth(['--ready-file', p.readyFile, ...c.args(p, await freePort())], { cwd: p.dir });
    const start = await b.waitForEvent('service.start');
    const ready = await b.waitForEvent('ready', {}, 30_000);
    const svcReady = b.events('service.ready')[0]!;
    expect(svcReady.service).toBe(start.service);
    // never before the service began to listen (its own wall clock, just before listen())
    const listening = b.lines.find((l) => l.event === 'listening' && l.service === start.service);
    if (listening) expect(timeOf(svcReady)).toBeGreaterThanOrEqual(Number(listening.before));
    expect(Number(svcReady.afterMs)).toBeGreaterThanOrEqual(300); // the probe waited for the service's own delay
    expect(ready.services).toEqual([start.service]);
    expect(ready.readyFile).toBe(p.readyFile);
    expectReadyFile(p.readyFile, b, ready);
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    expect(existsSync(p.readyFile)).toBe(false); // removed at shutdown
  });
});

// Known bug in src/cli.ts (not this suite's to fix): the bundle turns `import('yaml')` into a
// CommonJS wrapper with only `default`, so `(await import('yaml')).parse` is undefined and an
// inline mapping given to --ready is read as a string. Passes under tsx; fails from bin/berth.js.
// it.fails: this turns red once cli.ts is fixed, so that it becomes an ordinary test.
it.fails('--ready takes an inline mapping: { log: REGEX } (known bug: fails from the built binary)', async () => {
  const p = place();
  const b = procs.berth(['--ready-file', p.readyFile, '--ready', '{ log: "accepting connections" }', '--', ...svc('log', '--delay', 300)]);
  await b.waitForEvent('ready', {}, 30_000);
});

const negative: Array<Case & { says: (p: ReturnType<typeof place>, port: number) => string }> = [
  { kind: 'unix', args: (p) => ['--ready', `unix:${p.at('app.sock')}`, '--', ...svc('none')], says: (p) => `unix:${p.at('app.sock')} does not exist` },
  { kind: 'tcp', args: (_p, port) => ['--ready', `tcp:${port}`, '--', ...svc('none')], says: (_p, port) => `nothing listens on port ${port}` },
  { kind: 'http', args: (_p, port) => ['--ready', `http://127.0.0.1:${port}/health`, '--', ...svc('http', '127.0.0.1', port, 503)], says: (_p, port) => `GET http://127.0.0.1:${port}/health answered 503` },
  { kind: 'file', args: (p) => ['--ready', `file:${p.at('flag')}`, '--', ...svc('none')], says: (p) => `file:${p.at('flag')} does not exist` },
  {
    kind: 'exec (config)',
    args: (p) => ['-c', config(p, { services: { app: { command: svc('none'), readyTimeout: '1s', ready: { exec: [process.execPath, '-e', 'console.error("db not up"); process.exit(3)'] } } } })],
    says: () => 'exited with 3: db not up',
  },
  {
    kind: 'log (config)',
    args: (p) => ['-c', config(p, { services: { app: { command: svc('none'), readyTimeout: '1s', ready: { log: 'accepting connections' } } } })],
    says: () => 'no output line matched /accepting connections/',
  },
];

describe('each probe kind, when the service never becomes ready', () => {
  it.each(negative)('$kind: exits 69 with a ready.timeout saying what it saw, and no ready file', async (c) => {
    const p = place();
    const port = await freePort();
    const b = procs.berth(['--ready-file', p.readyFile, '--ready-timeout', '1s', ...c.args(p, port)], { cwd: p.dir });
    const { code } = await exitOf(b);
    expect(code).toBe(69);
    const timeout = b.events('ready.timeout');
    expect(timeout).toHaveLength(1);
    expect(String(timeout[0]!.msg)).toContain(c.says(p, port));
    expect(String(timeout[0]!.msg)).toMatch(/not ready after 1(\.\d)?s/);
    expect(b.events('ready')).toEqual([]);
    expect(b.events('service.ready')).toEqual([]);
    expect(existsSync(p.readyFile)).toBe(false);
  });
});

describe('what a probe must not be fooled by', () => {
  /** a socket file with no listener: what a killed php-fpm leaves behind */
  async function staleSocket(path: string): Promise<void> {
    const h = procs.helper(svc('unix', path));
    await h.line((l) => l.event === 'listening', 'the socket');
    h.proc.kill('SIGKILL');
    await h.exited;
    expect(lstatSync(path).isSocket()).toBe(true);
  }

  it('a stale socket file: not ready until the real listener binds', async () => {
    const p = place();
    await staleSocket(p.at('fpm.sock'));
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `unix:${p.at('fpm.sock')}`, '--', ...svc('unix', p.at('fpm.sock'), '--unlink', '--delay', 1000)]);
    const ready = await b.waitForEvent('service.ready', {}, 30_000);
    const listening = await b.waitFor((l) => l.event === 'listening', 10_000, 'the listening line');
    expect(timeOf(ready)).toBeGreaterThanOrEqual(Number(listening.before));
    expect(Number(ready.afterMs)).toBeGreaterThanOrEqual(1000);
    await b.waitForEvent('ready');
  });

  it('a stale socket file and no listener: ready.timeout says the socket is stale', async () => {
    const p = place();
    await staleSocket(p.at('fpm.sock'));
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `unix:${p.at('fpm.sock')}`, '--ready-timeout', '1500ms', '--', ...svc('none')]);
    expect((await exitOf(b)).code).toBe(69);
    const msg = String(b.events('ready.timeout')[0]?.msg);
    expect(msg).toContain(`unix:${p.at('fpm.sock')} is a stale socket`);
    expect(msg).toContain('nothing listens on it');
    expect(existsSync(p.readyFile)).toBe(false);
  });

  it('a listener on the port in another process tree: not ready, and the report names that process', async () => {
    const p = place();
    const port = await freePort();
    const other = procs.helper(svc('tcp', '127.0.0.1', port));
    await other.line((l) => l.event === 'listening', 'the other listener');
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `tcp:${port}`, '--ready-timeout', '1500ms', '--', ...svc('none')]);
    expect((await exitOf(b)).code).toBe(69);
    const timeout = b.events('ready.timeout')[0]!;
    expect(String(timeout.msg)).toContain(`port ${port} is held by node (pid ${other.pid}), another process tree`);
    const target = timeout.target as { listeners: Array<{ pid: number; inTree: boolean }> };
    expect(target.listeners).toContainEqual(expect.objectContaining({ pid: other.pid, inTree: false }));
    expect(b.events('ready')).toEqual([]);
    expect(other.proc.exitCode).toBe(null); // berth left it alone
  });

  it('the service listens on a port while the probe waits for a socket: the report names the port (the incident)', async () => {
    const p = place();
    const port = await freePort();
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `unix:${p.at('php-fpm.sock')}`, '--ready-timeout', '1500ms', '--', ...svc('tcp', '127.0.0.1', port)]);
    expect((await exitOf(b)).code).toBe(69);
    const timeout = b.events('ready.timeout')[0]!;
    const msg = String(timeout.msg);
    expect(msg).toContain(`unix:${p.at('php-fpm.sock')} does not exist`);
    expect(msg).toContain(`listens on tcp 127.0.0.1:${port}`);
    expect(msg).toContain('the service listens on a port while the probe waits for a socket');
    const pid = b.events('service.start')[0]!.pid;
    expect(timeout.processes).toContainEqual(expect.objectContaining({ pid, listens: [`tcp 127.0.0.1:${port}`] }));
    expect((timeout.lastLines as string[]).some((l) => l.includes('"listening"'))).toBe(true);
  });
});

describe('readiness order', () => {
  it('a service `after` another starts only once that one is ready (php-fpm, then nginx)', async () => {
    const p = place();
    const port = await freePort();
    const file = config(p, {
      readyFile: p.readyFile,
      services: {
        'php-fpm': { command: svc('unix', p.at('php-fpm.sock'), '--delay', 800), ready: `unix:${p.at('php-fpm.sock')}` },
        nginx: { command: svc('tcp', '127.0.0.1', port, '--delay', 200), after: ['php-fpm'], ready: `tcp:127.0.0.1:${port}` },
      },
    });
    const b = procs.berth(['-c', file]);
    const ready = await b.waitForEvent('ready', {}, 30_000);
    const fpmReady = b.events('service.ready').find((e) => e.service === 'php-fpm')!;
    const nginxStart = b.events('service.start').find((e) => e.service === 'nginx')!;
    const nginxReady = b.events('service.ready').find((e) => e.service === 'nginx')!;
    expect(timeOf(nginxStart)).toBeGreaterThanOrEqual(timeOf(fpmReady));
    expect(b.lines.indexOf(nginxStart)).toBeGreaterThan(b.lines.indexOf(fpmReady));
    expect(timeOf(nginxReady)).toBeGreaterThanOrEqual(timeOf(nginxStart));
    const fpmListening = b.lines.find((l) => l.event === 'listening' && l.service === 'php-fpm')!;
    expect(timeOf(fpmReady)).toBeGreaterThanOrEqual(Number(fpmListening.before));
    expect(ready.services).toEqual(['php-fpm', 'nginx']);
    expectReadyFile(p.readyFile, b, ready);
  });
});
