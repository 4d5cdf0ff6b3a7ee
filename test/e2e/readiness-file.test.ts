// The ready file and what reads it, through the real berth binary (CONTRACT §5, §3 steps 1, 6
// and 8): a leftover is deleted at start, the file appears at `ready` and goes at shutdown,
// `berth health` trusts only a live berth, and `health.listen` answers Kubernetes' probes.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/os/proc.js';
import { BERTH, tempDir } from '../helpers/berth.js';
import { deadPid, health, places, processes, readJson, svc } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-e2e-rfile-');
});
afterAll(() => t.cleanup());
const procs = processes();
afterEach(() => procs.stopAll());

const place = places(() => t.dir);

function writeJson(path: string, body: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(body)}\n`);
}

describe('the ready file and berth health', () => {
  it('deletes a leftover at start, appears at ready, goes at shutdown; health is 1, 0, 1 along the way', async () => {
    const p = place();
    const gone = deadPid();
    writeJson(p.readyFile, { pid: gone, startTime: 1_700_000_000_000, readyAt: 1_700_000_001_000, services: { app: { pid: gone, readyAt: 1 } } });
    let h = await health(p.readyFile);
    expect(h.code).toBe(1);
    expect(h.out).toContain(`pid ${gone}`);
    expect(h.out).toContain('is not running');

    // ready only once the test writes the trigger: the moments before it are observable
    const b = procs.berth(['--ready-file', p.readyFile, '--ready', `file:${p.at('flag')}`, '--', ...svc('file', p.at('flag'), '--when', p.at('go'))]);
    await b.waitForEvent('service.start');
    expect(existsSync(p.readyFile)).toBe(false); // deleted before anything started
    h = await health(p.readyFile);
    expect(h.code).toBe(1);
    expect(h.out).toContain('no ready file');

    writeFileSync(p.at('go'), '');
    await b.waitForEvent('ready', {}, 30_000);
    expect(readJson(p.readyFile).pid).toBe(b.pid);
    h = await health(p.readyFile);
    expect(h.code).toBe(0);
    expect(h.out).toContain(`berth pid ${b.pid}`);

    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    expect(b.lines.findIndex((l) => l.event === 'service.stop')).toBeGreaterThan(b.lines.findIndex((l) => l.event === 'signal.received'));
    expect(existsSync(p.readyFile)).toBe(false); // removed at shutdown
    expect((await health(p.readyFile)).code).toBe(1);
  });

  it('health is 1 after berth died without removing its file (SIGKILL)', async () => {
    const p = place();
    const b = procs.berth(['--ready-file', p.readyFile, '--', ...svc('none')]);
    await b.waitForEvent('ready');
    expect((await health(p.readyFile)).code).toBe(0);
    b.kill('SIGKILL');
    await exitOf(b);
    expect(existsSync(p.readyFile)).toBe(true); // nobody could remove it
    const h = await health(p.readyFile);
    expect(h.code).toBe(1);
    expect(h.out).toContain(`pid ${b.pid}`);
  });

  it('health is 1 for a forged file naming a live process that is not berth, even with its true start time', async () => {
    const p = place();
    const other = procs.helper(svc('none', '--tag', 'not-berth'));
    await other.line((l) => l.event === 'idle', 'the other process');
    const startTime = processStartTime(other.pid)!;
    writeJson(p.readyFile, { pid: other.pid, startTime: startTime - 20_000, readyAt: Date.now(), services: {} });
    let h = await health(p.readyFile);
    expect(h.code).toBe(1);
    expect(h.out).toContain('another process now has that pid');
    writeJson(p.readyFile, { pid: other.pid, startTime, readyAt: Date.now(), services: {} });
    h = await health(p.readyFile);
    expect(h.code).toBe(1);
    expect(h.out).toContain(`pid ${other.pid}`);
    expect(h.out).toContain('not berth');
  });

  it('health knows berth installed under another name (a symlink), as long as health runs the same file', async () => {
    const p = place();
    const entry = p.at('entrypoint');
    symlinkSync(BERTH, entry);
    const b = procs.berth(['--ready-file', p.readyFile, '--', ...svc('none')], { bin: entry });
    await b.waitForEvent('ready');
    const h = await health(p.readyFile);
    expect(h.code).toBe(0);
    expect(h.out).toContain(`berth pid ${b.pid}`);
  });

  it('health is 1 for a file that is not JSON or holds no pid', async () => {
    const p = place();
    mkdirSync(dirname(p.readyFile), { recursive: true });
    writeFileSync(p.readyFile, '{"pid":');
    expect((await health(p.readyFile)).code).toBe(1);
    writeJson(p.readyFile, { startTime: 1 });
    expect((await health(p.readyFile)).code).toBe(1);
  });

  it('BERTH_READY_FILE chooses the file for berth and for berth health; --ready-file beats it', async () => {
    const p = place();
    const fromEnv = p.at('env/ready');
    const fromFlag = p.at('flag/ready');
    const b = procs.berth(['--', ...svc('none')], { env: { BERTH_READY_FILE: fromEnv } });
    const ready = await b.waitForEvent('ready');
    expect(ready.readyFile).toBe(fromEnv);
    expect(readJson(fromEnv).pid).toBe(b.pid);
    const h = await health(undefined, { BERTH_READY_FILE: fromEnv });
    expect(h.code).toBe(0);
    expect(h.out).toContain(`berth pid ${b.pid}`);
    b.kill('SIGTERM');
    await exitOf(b);
    expect(existsSync(fromEnv)).toBe(false);

    const c = procs.berth(['--ready-file', fromFlag, '--', ...svc('none')], { env: { BERTH_READY_FILE: fromEnv } });
    await c.waitForEvent('ready');
    expect(readJson(fromFlag).pid).toBe(c.pid);
    expect(existsSync(fromEnv)).toBe(false);
    expect((await health(fromFlag, { BERTH_READY_FILE: fromEnv })).code).toBe(0); // the flag wins for health too
    expect((await health(undefined, { BERTH_READY_FILE: fromEnv })).code).toBe(1);
  });
});

/** One GET on a fresh connection: status and body as text. */
function fetchText(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, method, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

describe('health.listen', () => {
  it('serves /livez, /readyz (503 with each service, then 200) and nothing else, never an env value or a command', async () => {
    const p = place();
    const port = await freePort();
    const SECRET = 'env-value-7f3a9c';
    const MARKER = 'cmdline-marker-51be';
    const sock = p.at('php-fpm.sock');
    const config = p.config({
      readyFile: p.readyFile,
      health: { listen: `127.0.0.1:${port}` },
      env: { API_TOKEN: SECRET },
      services: {
        'php-fpm': { command: svc('unix', sock, '--when', p.at('go'), '--tag', MARKER), ready: `unix:${sock}`, env: { DB_PASSWORD: `${SECRET}-2` } },
        nginx: { command: svc('none', '--tag', MARKER), after: ['php-fpm'] },
      },
    });
    const b = procs.berth(['-c', config]);
    await b.waitForEvent('service.start', { service: 'php-fpm' });

    const answers: string[] = [];
    const ask = async (path: string, method?: string) => {
      const r = await fetchText(port, path, method);
      answers.push(JSON.stringify(r.headers), r.body);
      return r;
    };
    const live = await ask('/livez');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
    const before = await ask('/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({
      status: 'not ready',
      services: { 'php-fpm': { state: 'starting', ready: false, reason: 'waiting for its unix probe' }, nginx: { state: 'pending', ready: false, reason: 'waiting for its turn' } },
    });
    for (const path of ['/', '/metrics', '/env', '/readyz/x', '/livez/../env', `/${SECRET}`, '/debug/pprof']) {
      const r = await ask(path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain(SECRET);
    }

    writeFileSync(p.at('go'), '');
    await b.waitForEvent('ready', {}, 30_000);
    const after = await ask('/readyz');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual({
      status: 'ready',
      services: { 'php-fpm': { state: 'ready', ready: true, reason: 'its ready probe passed' }, nginx: { state: 'ready', ready: true, reason: 'started (it has no ready probe)' } },
    });
    expect((await ask('/livez')).status).toBe(200);
    expect((await ask('/readyz?verbose=1')).status).toBe(200);

    const all = answers.join('\n');
    for (const leak of [SECRET, MARKER, sock, process.execPath, 'service.mjs', 'API_TOKEN', 'DB_PASSWORD']) expect(all).not.toContain(leak);

    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    await expect(fetchText(port, '/livez')).rejects.toThrow(/ECONNREFUSED/); // closed with berth
  });
});
