// What a readiness probe must not be fooled by, through the real berth binary (CONTRACT §5): a
// stale socket file, a listener on the port in another process tree; what ready.timeout says
// about them and about the port the service does listen on (the php-fpm incident); and the
// order `after` gives: a service starts only once the one before it is ready.
import { existsSync, lstatSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/berth.js';
import { expectReadyFile, places, processes, svc, timeOf } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-e2e-diag-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());
const place = places(() => t.dir);

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
    // 4s: time enough, on a loaded machine, for the service to be up and listening when berth looks
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `unix:${p.at('php-fpm.sock')}`, '--ready-timeout', '4s', '--', ...svc('tcp', '127.0.0.1', port)]);
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
    const file = p.config({
      readyFile: p.readyFile,
      services: {
        'php-fpm': { command: svc('unix', p.at('php-fpm.sock'), '--delay', 800), ready: `unix:${p.at('php-fpm.sock')}` },
        nginx: { command: svc('tcp', '127.0.0.1', port, '--delay', 200), after: ['php-fpm'], ready: `tcp:127.0.0.1:${port}` },
      },
    });
    const b = procs.berth(['-c', file], { env: { BERTH_READY_FILE: undefined } }); // the config's readyFile
    const ready = await b.waitForEvent('ready', {}, 30_000);
    const fpmReady = b.events('service.ready').find((e) => e.service === 'php-fpm')!;
    const nginxStart = b.events('service.start').find((e) => e.service === 'nginx')!;
    const nginxReady = b.events('service.ready').find((e) => e.service === 'nginx')!;
    expect(timeOf(nginxStart)).toBeGreaterThanOrEqual(timeOf(fpmReady));
    expect(b.lines.indexOf(nginxStart)).toBeGreaterThan(b.lines.indexOf(fpmReady));
    expect(timeOf(nginxReady)).toBeGreaterThanOrEqual(timeOf(nginxStart));
    const fpmListening = await b.waitFor((l) => l.event === 'listening' && l.service === 'php-fpm', 10_000, "php-fpm's listening line");
    expect(timeOf(fpmReady)).toBeGreaterThanOrEqual(Number(fpmListening.before));
    expect(ready.services).toEqual(['php-fpm', 'nginx']);
    expectReadyFile(p.readyFile, b, ready);
  });
});
