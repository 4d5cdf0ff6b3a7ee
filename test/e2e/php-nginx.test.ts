// examples/php-nginx with the real php-fpm and nginx, on a unix socket and a loopback port in a
// temp dir: php-fpm first, nginx once php-fpm's socket accepts connections, the ready file once
// both are ready, the PHP page through nginx; SIGQUIT to nginx, then to php-fpm, on SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runBerth } from '../helpers/berth.js';
import { binaries, fleet, groupMembers, httpGet, PAGE, prepareExample, timeOf, workerPid, parentOf, type Example } from '../fixtures/presets/php-nginx.js';
import { exitWithin } from '../helpers/exit.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';
if (binaries.missing) console.warn(`skipping the php-nginx end-to-end tests: ${binaries.missing}`);

describe.skipIf(binaries.missing)(`examples/php-nginx with php-fpm and nginx${skipped}`, () => {
  const berths = fleet();
  const copies: Example[] = [];
  const example = async () => {
    const ex = await prepareExample();
    copies.push(ex);
    return ex;
  };
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });

  it('starts php-fpm, then nginx once php-fpm is ready, writes the ready file once both are, and serves the PHP page', async () => {
    const ex = await example();
    expect(existsSync(ex.readyFile)).toBe(false);
    const b = berths.start(ex.args(), ex.env);
    const ready = await b.waitForEvent('ready', {}, 30_000);

    const fpmStart = b.events('service.start').find((l) => l.service === 'php-fpm')!;
    const fpmReady = b.events('service.ready').find((l) => l.service === 'php-fpm')!;
    const nginxStart = b.events('service.start').find((l) => l.service === 'nginx')!;
    const nginxReady = b.events('service.ready').find((l) => l.service === 'nginx')!;
    // the presets' plan, as spawned: php-fpm found on PATH (php-fpmX.Y on Debian), SIGQUIT later
    expect(fpmStart).toMatchObject({ argv: [expect.stringMatching(/^php-fpm(\d+\.\d+)?$/), '-F', '-p', ex.dir] });
    expect(nginxStart).toMatchObject({ argv: ['nginx', '-p', `${ex.dir}/`, '-c', 'nginx/nginx.conf', '-g', 'daemon off;'] });
    // nginx only once php-fpm's socket accepted a connection: by the clock and by the log's order
    expect(timeOf(fpmReady)).toBeLessThanOrEqual(timeOf(nginxStart));
    expect(b.lines.indexOf(fpmReady)).toBeLessThan(b.lines.indexOf(nginxStart));
    expect(fpmReady.pid).toBe(fpmStart.pid);
    const order = b.lines.filter((l) => ['service.start', 'service.ready', 'ready'].includes(String(l.event))).map((l) => `${l.event}:${l.service ?? ''}`);
    expect(order).toEqual(['service.start:php-fpm', 'service.ready:php-fpm', 'service.start:nginx', 'service.ready:nginx', 'ready:']);

    // the ready file: written once, after nginx (the last) was ready, naming both
    expect(ready).toMatchObject({ services: ['php-fpm', 'nginx'], readyFile: ex.readyFile });
    const file = JSON.parse(readFileSync(ex.readyFile, 'utf8')) as { pid: number; readyAt: number; services: Record<string, { pid: number; readyAt: number }> };
    expect(file.pid).toBe(b.pid);
    expect(file.services).toEqual({
      'php-fpm': { pid: fpmStart.pid, readyAt: expect.any(Number) },
      nginx: { pid: nginxStart.pid, readyAt: expect.any(Number) },
    });
    expect(file.readyAt).toBeGreaterThanOrEqual(timeOf(nginxReady));
    expect(file.readyAt).toBeGreaterThanOrEqual(file.services.nginx!.readyAt);
    expect(file.services.nginx!.readyAt).toBeGreaterThanOrEqual(timeOf(fpmReady));

    // through nginx, over the unix socket, to a php-fpm worker
    const res = await httpGet(`http://127.0.0.1:${ex.port}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(PAGE);
    expect(parentOf(workerPid(res.body))).toBe(fpmStart.pid);
    await b.waitFor((l) => l.service === 'nginx' && l.stream === 'stdout' && /"GET \/ HTTP\/1\.1" 200 /.test(String(l.msg)), 30_000, "nginx's access log line");
  });

  it('on SIGTERM stops nginx, then php-fpm, both with SIGQUIT, exits 0 and leaves no process behind', async () => {
    const ex = await example();
    const b = berths.start(ex.args(), ex.env);
    await b.waitForEvent('ready', {}, 30_000);
    const pids = Object.fromEntries(b.events('service.start').map((l) => [String(l.service), Number(l.pid)]));
    // a request reached a worker of each: master and workers, each service in its own process group
    expect((await httpGet(`http://127.0.0.1:${ex.port}/`)).status).toBe(200);
    expect(groupMembers(pids['php-fpm']!).length).toBeGreaterThan(1);
    expect(groupMembers(pids.nginx!).length).toBeGreaterThan(1);

    b.kill('SIGTERM');
    expect(await exitWithin(b, 30_000)).toEqual({ code: 0, signal: null });
    expect(b.events('service.stop').map((l) => ({ service: l.service, pid: l.pid, signal: l.signal }))).toEqual([
      { service: 'nginx', pid: pids.nginx, signal: 'SIGQUIT' },
      { service: 'php-fpm', pid: pids['php-fpm'], signal: 'SIGQUIT' },
    ]);
    // php-fpm is told to stop only once nginx has ended (no request reaches a stopping php-fpm)
    const nginxExit = b.events('service.exit').find((l) => l.service === 'nginx')!;
    const fpmStop = b.events('service.stop').find((l) => l.service === 'php-fpm')!;
    expect(b.lines.indexOf(nginxExit)).toBeLessThan(b.lines.indexOf(fpmStop));
    expect(b.events('service.exit').map((l) => ({ service: l.service, status: l.status, killed: l.killed }))).toEqual([
      { service: 'nginx', status: 0, killed: false },
      { service: 'php-fpm', status: 0, killed: false },
    ]);
    expect(b.events('shutdown.done')).toEqual([expect.objectContaining({ status: 0, reason: 'SIGTERM' })]);
    expect(existsSync(ex.readyFile)).toBe(false);
    expect([...groupMembers(pids['php-fpm']!), ...groupMembers(pids.nginx!)]).toEqual([]);
  });

  it('berth plan shows nginx after php-fpm (inferred from fastcgi_pass) and php-fpm probed on its socket', async () => {
    const ex = await example();
    const text = await runBerth(['plan', ...ex.args()], { env: ex.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}1\. php-fpm \(preset php-fpm\)$/m);
    expect(text.stdout).toMatch(/^ {2}2\. nginx \(main; preset nginx; after php-fpm\)$/m);
    expect(text.stdout).toContain(`     ready     unix:${ex.socket}, within 60s\n`);
    expect(text.stdout).toContain(`     ready     tcp:${ex.port}, within 60s\n`);
    expect(text.stderr).toBe('');

    const json = await runBerth(['plan', '--json', ...ex.args()], { env: ex.env });
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { ok: boolean; warnings: unknown[]; plan: { services: { name: string; after: string[]; ready?: unknown; stopSignal: string }[] } };
    expect(body).toMatchObject({ ok: true, warnings: [] });
    const [fpm, nginx] = body.plan.services;
    expect(fpm).toMatchObject({ name: 'php-fpm', after: [], ready: { kind: 'unix', path: ex.socket }, stopSignal: 'SIGQUIT' });
    // berth.yaml says no `after:` — the edge comes from nginx's fastcgi_pass
    expect(readFileSync(ex.args()[1]!, 'utf8')).not.toMatch(/^\s*after:/m);
    expect(nginx).toMatchObject({ name: 'nginx', after: ['php-fpm'], ready: { kind: 'tcp', port: ex.port }, stopSignal: 'SIGQUIT' });
  });
});
