// Each readiness probe kind through the real berth binary (CONTRACT §5), from `--ready` or a
// config: `service.ready`, then `ready` and the ready file, only once the service really
// accepts; or exit 69 with a ready.timeout that says what berth saw, and no ready file.
// What a probe must not be fooled by, and the timeout report: readiness-diagnose.test.ts.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/berth.js';
import { expectReadyFile, places, processes, svc, timeOf, type Place } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-e2e-ready-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());
const place = places(() => t.dir);

interface Case {
  kind: string;
  /** the service prints its `listening` line (every kind but log) */
  quiet?: boolean;
  /** berth's arguments: a --ready flag and a command, or -c with a config written there */
  args(p: Place, port: number): string[];
}

const positive: Case[] = [
  { kind: 'unix', args: (p) => ['--ready', `unix:${p.at('app.sock')}`, '--', ...svc('unix', p.at('app.sock'), '--delay', 300)] },
  { kind: 'tcp', args: (_p, port) => ['--ready', `tcp:${port}`, '--', ...svc('tcp', '127.0.0.1', port, '--delay', 300)] },
  { kind: 'tcp with a host', args: (_p, port) => ['--ready', `tcp:127.0.0.1:${port}`, '--', ...svc('tcp', '127.0.0.1', port, '--delay', 300)] },
  { kind: 'http', args: (_p, port) => ['--ready', `http://127.0.0.1:${port}/health`, '--', ...svc('http', '127.0.0.1', port, 200, '--delay', 300)] },
  { kind: 'file', args: (p) => ['--ready', `file:${p.at('flag')}`, '--', ...svc('file', p.at('flag'), '--delay', 300)] },
  {
    kind: 'exec (config)',
    args: (p) => ['-c', p.config({
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
    quiet: true,
    args: (p) => ['-c', p.config({ services: { app: { command: svc('log', '--delay', 300), ready: { log: 'accepting connections$' } } } })],
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
    if (!c.quiet) {
      // never before the service began to listen (its own wall clock, just before listen())
      const listening = await b.waitFor((l) => l.event === 'listening' && l.service === start.service, 10_000, 'the listening line');
      expect(timeOf(svcReady)).toBeGreaterThanOrEqual(Number(listening.before));
    }
    expect(Number(svcReady.afterMs)).toBeGreaterThanOrEqual(300); // the probe waited for the service's own delay
    expect(ready.services).toEqual([start.service]);
    expect(ready.readyFile).toBe(p.readyFile);
    expectReadyFile(p.readyFile, b, ready);
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    expect(existsSync(p.readyFile)).toBe(false); // removed at shutdown
  });
});

// from the built binary: esbuild bundles yaml as CommonJS, whose namespace holds only `default`
it('--ready takes an inline mapping: { log: REGEX }', async () => {
  const p = place();
  const b = procs.berth(['--ready-file', p.readyFile, '--ready', '{ log: "accepting connections" }', '--', ...svc('log', '--delay', 300)]);
  await b.waitForEvent('ready', {}, 30_000);
});

// `timeout`: long enough, on a loaded machine, for the service to be up and the probe to have
// tried once, where the report quotes what an attempt saw (an HTTP status, a command's output)
const negative: Array<Case & { timeout?: string; says: (p: Place, port: number) => string }> = [
  { kind: 'unix', args: (p) => ['--ready', `unix:${p.at('app.sock')}`, '--', ...svc('none')], says: (p) => `unix:${p.at('app.sock')} does not exist` },
  { kind: 'tcp', args: (_p, port) => ['--ready', `tcp:${port}`, '--', ...svc('none')], says: (_p, port) => `nothing listens on port ${port}` },
  { kind: 'http', timeout: '4s', args: (_p, port) => ['--ready', `http://127.0.0.1:${port}/health`, '--', ...svc('http', '127.0.0.1', port, 503)], says: (_p, port) => `GET http://127.0.0.1:${port}/health answered 503` },
  { kind: 'file', args: (p) => ['--ready', `file:${p.at('flag')}`, '--', ...svc('none')], says: (p) => `file:${p.at('flag')} does not exist` },
  {
    kind: 'exec (config)',
    timeout: '4s',
    args: (p) => ['-c', p.config({ services: { app: { command: svc('none'), readyTimeout: '4s', ready: { exec: [process.execPath, '-e', 'console.error("db not up"); process.exit(3)'] } } } })],
    says: () => 'exited with 3: db not up',
  },
  {
    kind: 'log (config)',
    args: (p) => ['-c', p.config({ services: { app: { command: svc('none'), readyTimeout: '1s', ready: { log: 'accepting connections' } } } })],
    says: () => 'no output line matched /accepting connections/',
  },
];

describe('each probe kind, when the service never becomes ready', () => {
  it.each(negative)('$kind: exits 69 with a ready.timeout saying what it saw, and no ready file', async (c) => {
    const p = place();
    const port = await freePort();
    const timeout = c.timeout ?? '1s';
    const b = procs.berth(['--ready-file', p.readyFile, '--ready-timeout', timeout, ...c.args(p, port)], { cwd: p.dir });
    const { code } = await exitOf(b);
    expect(code).toBe(69);
    const reports = b.events('ready.timeout');
    expect(reports).toHaveLength(1);
    expect(String(reports[0]!.msg)).toContain(c.says(p, port));
    expect(String(reports[0]!.msg)).toMatch(/not ready after \d+(\.\d)?s: /);
    expect(Number(reports[0]!.waitedMs)).toBeGreaterThanOrEqual(parseFloat(timeout) * 1000 - 5);
    expect(b.events('ready')).toEqual([]);
    expect(b.events('service.ready')).toEqual([]);
    expect(existsSync(p.readyFile)).toBe(false);
  });
});
