// CONTRACT §9's drain: on the first stop signal the ready file goes and /readyz answers 503 at
// once, everything keeps running for `drain`, then the normal stop; a second signal skips the rest.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, FIXTURES, tempDir } from '../helpers/berth.js';
import { places, processes, timeOf } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

const APP = join(FIXTURES, 'liveness/app.mjs');

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-drain-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());
const place = places(() => t.dir);

async function start(drain: string, shutdownTimeout = '5s') {
  const p = place();
  const [port, healthPort] = [await freePort(), await freePort()];
  const config = p.config({
    readyFile: p.readyFile,
    drain,
    shutdownTimeout,
    health: { listen: `127.0.0.1:${healthPort}` },
    services: { app: { command: [process.execPath, APP, 'tcp', port], ready: `tcp:${port}` } },
  });
  const b = procs.berth(['-c', config], { cwd: p.dir, env: { BERTH_READY_FILE: undefined } });
  await b.waitForEvent('ready');
  const pid = Number(b.events('service.start')[0]!.pid);
  return { p, b, pid, readyz: () => fetch(`http://127.0.0.1:${healthPort}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { status: string } })) };
}

describe('drain', () => {
  it('unready at once, everything running for the drain, then the stop; shutdownTimeout starts after it', async () => {
    // the drain outlasts the checks made during it, even on a loaded machine (1.5 s did not: /readyz was already closed)
    const { p, b, pid, readyz } = await start('5s');
    expect(existsSync(p.readyFile)).toBe(true);
    b.kill('SIGTERM');
    const drain = await b.waitForEvent('shutdown.drain');
    expect(drain).toMatchObject({ signal: 'SIGTERM', drainMs: 5000 });
    // the flip happened before the event was written
    expect(existsSync(p.readyFile)).toBe(false);
    const during = await readyz();
    expect(during).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect(alive(pid)).toBe(true);
    expect(b.events('service.stop')).toEqual([]);
    const stop = await b.waitForEvent('service.stop', { service: 'app' });
    expect(timeOf(stop) - timeOf(drain)).toBeGreaterThanOrEqual(4900);
    expect((await exitOf(b)).code).toBe(0);
    expect(b.events('shutdown.done')[0]).toMatchObject({ status: 0, cause: 'signal', signal: 'SIGTERM' });
  });

  it('a second signal skips what is left of the drain, and is not a forced stop', async () => {
    const { b } = await start('60s');
    b.kill('SIGTERM');
    await b.waitForEvent('shutdown.drain');
    b.kill('SIGINT');
    await b.waitForEvent('shutdown.drain.skipped');
    expect((await exitOf(b, 10_000)).code).toBe(0);
    expect(b.events('shutdown.forced')).toEqual([]);
    expect(b.events('service.exit')[0]).toMatchObject({ killed: false });
  });

  it('a third signal forces the stop as a second one does without drain', async () => {
    const p = place();
    const port = await freePort();
    // the service ignores SIGTERM: only SIGKILL ends it
    const config = p.config({
      readyFile: p.readyFile,
      drain: '60s',
      services: { app: { command: ['sh', '-c', `trap '' TERM; exec ${process.execPath} ${APP} tcp ${port}`], ready: `tcp:${port}`, stopSignal: 'SIGUSR1', stopTimeout: '60s' } },
    });
    const b = procs.berth(['-c', config], { cwd: p.dir, env: { BERTH_READY_FILE: undefined } });
    await b.waitForEvent('ready');
    b.kill('SIGTERM');
    await b.waitForEvent('shutdown.drain');
    b.kill('SIGTERM');
    await b.waitForEvent('service.stop');
    b.kill('SIGTERM');
    expect((await exitOf(b, 10_000)).code).toBe(137);
    expect(b.events('shutdown.forced')).toHaveLength(1);
  });

  it('shutdownTimeout is counted from the end of the drain, not from the signal', async () => {
    const p = place();
    const port = await freePort();
    const config = p.config({
      readyFile: p.readyFile,
      drain: '1500ms',
      shutdownTimeout: '1s',
      services: { app: { command: ['sh', '-c', `trap '' USR1; exec ${process.execPath} ${APP} tcp ${port}`], ready: `tcp:${port}`, stopSignal: 'SIGUSR1', stopTimeout: '8s' } },
    });
    const b = procs.berth(['-c', config], { cwd: p.dir, env: { BERTH_READY_FILE: undefined } });
    await b.waitForEvent('ready');
    b.kill('SIGTERM');
    await b.waitForEvent('shutdown.drain');
    const kill = await b.waitForEvent('service.kill');
    // the whole second of shutdownTimeout, though the signal came 1.5 s before the stop began
    expect(Number(kill.afterMs)).toBeGreaterThanOrEqual(900);
    expect((await exitOf(b)).code).toBe(137);
  });

  it('drain 0 (the default): no drain, the stop starts at once', async () => {
    const { b } = await start('0');
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    expect(b.events('shutdown.drain')).toEqual([]);
  });
});
