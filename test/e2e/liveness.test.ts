// CONTRACT §9 with real servers: a service that stops serving while its process lives on is
// found by its liveness check, reported as ready.timeout would be, taken out of the ready
// file and /readyz, stopped, and restarted (or berth exits 69 with restart: never).
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, FIXTURES, tempDir, type Berth } from '../helpers/berth.js';
import { places, processes } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

const APP = join(FIXTURES, 'liveness/app.mjs');
const app = (...args: Array<string | number>) => [process.execPath, APP, ...args.map(String)];

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-liveness-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());
const place = places(() => t.dir);

/** GET /readyz of berth's health server: status and body */
async function readyz(port: number): Promise<{ status: number; body: { status: string; draining?: boolean; services: Record<string, { state: string; ready: boolean; reason?: string }> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

/** berth with one config, debug events on, its own ready file, health port and termination report */
async function start(services: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const p = place();
  const healthPort = await freePort();
  const config = p.config({ readyFile: p.readyFile, terminationLog: p.at('termination-log'), health: { listen: `127.0.0.1:${healthPort}` }, log: { level: 'debug' }, services, ...extra });
  const b = procs.berth(['-c', config], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined, BERTH_READY_FILE: undefined } });
  return { p, b, healthPort, report: () => readFileSync(p.at('termination-log'), 'utf8') };
}

const pidOf = async (b: Berth, n = 0) => {
  await b.waitFor((l) => l.event === 'service.start' && b.events('service.start').length > n, 20_000, `service.start #${n + 1}`);
  return Number(b.events('service.start')[n]!.pid);
};

describe('an http app that turns 500', () => {
  it('restart: on-failure — unhealthy with the report, unready at once, restarted, ready again', async () => {
    const port = await freePort();
    const { p, b, healthPort } = await start({
      app: {
        command: app('http', port, '.'),
        ready: `http://127.0.0.1:${port}/health`,
        liveness: { interval: '1200ms', timeout: '1s', failures: 2 }, // generous: the machine may be busy
        restart: 'on-failure',
      },
    });
    await b.waitForEvent('ready');
    expect((await readyz(healthPort)).status).toBe(200);
    const first = await pidOf(b);
    writeFileSync(p.at('fail'), '');
    const failed = await b.waitForEvent('liveness.failed', { service: 'app' });
    expect(failed).toMatchObject({ level: 'debug', failures: 1, why: `GET http://127.0.0.1:${port}/health answered 500` });
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'app' });
    // the same report as ready.timeout: probe, process tree with its listeners, target, last lines
    expect(unhealthy).toMatchObject({ level: 'error', failures: 2, probe: `http://127.0.0.1:${port}/health`, pid: first });
    expect(unhealthy.processes).toEqual([expect.objectContaining({ pid: first, listens: [`tcp 127.0.0.1:${port}`] })]);
    expect(unhealthy.lastLines).toEqual([expect.stringContaining('"listening"')]);
    expect(String(unhealthy.msg)).toContain('app is unhealthy: 2 liveness check(s) failed in a row, the last: GET');
    // unready the moment it is unhealthy: the file is gone before the service is even stopped
    const stop = await b.waitForEvent('service.stop', { service: 'app', reason: 'unhealthy' });
    expect(b.lines.indexOf(stop)).toBeGreaterThan(b.lines.indexOf(unhealthy));
    const during = await readyz(healthPort);
    expect(during.status).toBe(503);
    expect(existsSync(p.readyFile)).toBe(false);
    await b.waitForEvent('service.restart', { service: 'app', status: 69 });
    const second = await pidOf(b, 1);
    expect(second).not.toBe(first);
    expect(alive(first)).toBe(false);
    // a new run passes ready again (the app deleted DIR/fail at start) before the file comes back
    await b.waitFor((l) => l.event === 'ready' && b.events('ready').length === 2, 20_000, 'ready again');
    expect(existsSync(p.readyFile)).toBe(true);
    expect(JSON.parse(readFileSync(p.readyFile, 'utf8')).services.app.pid).toBe(second);
    expect((await readyz(healthPort)).body.services.app).toMatchObject({ state: 'ready', ready: true });
  });

  it('restart: never — berth stops everything and exits 69; the report says unhealthy and why', async () => {
    const port = await freePort();
    const { p, b, report } = await start({
      app: { command: app('http', port, '.'), ready: `tcp:${port}`, liveness: { probe: `http://127.0.0.1:${port}/health`, interval: '1200ms', timeout: '1s', failures: 1 } },
    });
    await b.waitForEvent('ready');
    writeFileSync(p.at('fail'), '');
    expect((await exitOf(b)).code).toBe(69);
    const done = b.events('shutdown.done')[0]!;
    expect(done).toMatchObject({ status: 69, cause: 'unhealthy', service: 'app' });
    expect(report()).toMatch(/^berth exited with 69: service app unhealthy: GET http:\/\/127\.0\.0\.1:\d+\/health answered 500\nlast lines of app:\n.*listening/);
  });

  it('a check that passes again after failures logs service.healthy and keeps the service', async () => {
    const port = await freePort();
    const { p, b } = await start({
      app: { command: app('http', port, '.'), ready: `http://127.0.0.1:${port}/health`, liveness: { interval: '300ms', timeout: '1s', failures: 1000 } },
    });
    await b.waitForEvent('ready');
    writeFileSync(p.at('fail'), '');
    await b.waitFor((l) => l.event === 'liveness.failed' && Number(l.failures) >= 2, 20_000, 'two failures');
    unlinkSync(p.at('fail'));
    const healthy = await b.waitForEvent('service.healthy', { service: 'app' });
    expect(Number(healthy.afterFailures)).toBeGreaterThanOrEqual(2);
    expect(b.events('service.unhealthy')).toEqual([]);
    expect(b.events('service.start')).toHaveLength(1);
  });
});

describe('a unix socket deleted', () => {
  it('is noticed (connect fails) and repaired by a restart that binds it again', async () => {
    const p = place();
    const sock = p.at('app.sock');
    const { b, report } = await start({
      app: { command: app('unix', sock), ready: `unix:${sock}`, liveness: { interval: '150ms', failures: 2 }, restart: 'always' },
    });
    await b.waitForEvent('ready');
    rmSync(sock);
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'app' });
    expect(unhealthy.why).toBe(`${sock} does not exist`);
    expect(String(unhealthy.msg)).toContain(`unix:${sock} does not exist`);
    await b.waitFor((l) => l.event === 'ready' && b.events('ready').length === 2, 20_000, 'ready again');
    expect(existsSync(sock)).toBe(true);
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    expect(report()).toBe('berth exited with 0: signal SIGTERM\n');
  });
});

describe('a tcp listener closed while the process lives', () => {
  it('is found from the kernel listener table (no connection to the service) and the service restarted', async () => {
    const port = await freePort();
    const { b } = await start({
      app: { command: app('tcp', port), ready: `tcp:${port}`, liveness: { interval: '150ms', failures: 2 }, restart: 'on-failure' },
    });
    await b.waitForEvent('ready');
    const pid = await pidOf(b);
    process.kill(pid, 'SIGUSR2');
    await b.waitFor((l) => l.closed === String(port), 10_000, 'the listener closed');
    expect(alive(pid)).toBe(true);
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'app' });
    expect(unhealthy.why).toBe(`no process of the service listens on port ${port} any more`);
    await b.waitForEvent('service.restart', { service: 'app' });
    await b.waitFor((l) => l.event === 'ready' && b.events('ready').length === 2, 20_000, 'ready again');
  });

  it('a healthy tcp service is never connected to by its checks', async () => {
    const port = await freePort();
    const { b } = await start({ app: { command: app('tcp', port), ready: `tcp:${port}`, liveness: { interval: '100ms', failures: 1 } } }, { log: { level: 'trace' } });
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.event === 'liveness.passed' && b.events('liveness.passed').length >= 10, 20_000, 'ten passed checks');
    expect(b.lines.filter((l) => l.accepted !== undefined)).toEqual([]);
  });
});

describe('a hung process under an exec check', () => {
  it('SIGSTOP: each check is killed with its process group at its timeout; the service is stopped (SIGCONT too) and restarted', async () => {
    const port = await freePort();
    const p = place();
    const marker = `berth-liveness-check-${port}`;
    // the check leaves a background child too: it must not outlive the check
    const check = [process.execPath, '-e', `require('child_process').spawn('sleep', ['30'], { stdio: 'ignore', argv0: ${JSON.stringify(marker)} }); require('http').get('http://127.0.0.1:${port}/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))`];
    const { b } = await start({
      app: { command: app('http', port, p.dir), ready: `http://127.0.0.1:${port}/health`, liveness: { probe: { exec: check }, interval: '400ms', timeout: '300ms', failures: 2 }, restart: 'on-failure', stopTimeout: '2s' },
    });
    await b.waitForEvent('ready');
    const pid = await pidOf(b);
    process.kill(pid, 'SIGSTOP');
    const failed = await b.waitForEvent('liveness.failed', { service: 'app' });
    expect(String(failed.why)).toContain('did not finish within 300ms (its process group was killed)');
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'app' });
    expect(unhealthy.failures).toBe(2);
    // SIGTERM and SIGCONT: the stopped app wakes to its SIGTERM and exits at once, no SIGKILL needed
    const exit = await b.waitForEvent('service.exit', { service: 'app', pid });
    expect(exit).toMatchObject({ code: 0, unhealthy: true, status: 69 });
    expect(b.events('service.kill')).toEqual([]);
    await b.waitFor((l) => l.event === 'ready' && b.events('ready').length === 2, 20_000, 'ready again');
    // nothing any check started is left
    const { execFileSync } = await import('node:child_process');
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(marker));
    expect(left).toEqual([]);
  });
});
