// examples/php-nginx with a liveness check through php-fpm's own ping page (FastCGI, real
// php8.2-fpm and nginx): php-fpm's workers killed, or its socket deleted while it runs, is
// noticed and repaired, and nginx's 5xx answers stop within a bound, not for ever.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../helpers/berth.js';
import { waitUntil as until } from '../helpers/faults.js';
import { binaries, editYaml, fleet, groupMembers, httpGet, nthEvent, prepareExample, type Example } from '../fixtures/presets/php-nginx.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';

/** GETs / every 50 ms until stopped: every answer's status and when it came */
function traffic(url: string) {
  const seen: { at: number; status: number }[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const at = Date.now();
      const status = await httpGet(url, 2000).then((r) => r.status, () => 0);
      seen.push({ at, status });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { seen, stop: async () => ((on = false), await loop) };
}

describe.skipIf(binaries.missing)(`php-fpm liveness through its ping page${skipped}`, () => {
  const berths = fleet();
  const copies: Example[] = [];
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });
  const start = async () => {
    const ex = await prepareExample();
    copies.push(ex);
    editYaml(join(ex.dir, 'berth.yaml'), (doc) => {
      doc.setIn(['services', 'php-fpm', 'restart'], 'on-failure');
      doc.setIn(['services', 'php-fpm', 'liveness'], doc.createNode({ probe: { fastcgi: `unix:${ex.socket}`, path: '/ping' }, interval: '300ms', timeout: '1s', failures: 2 }));
      doc.set('terminationLog', join(ex.dir, 'termination-log'));
    });
    const b = berths.start([...ex.args(), '--log-level', 'debug'], { ...ex.env, BERTH_TERMINATION_LOG: undefined });
    await b.waitForEvent('ready', {}, 30_000);
    expect((await httpGet(`http://127.0.0.1:${ex.port}/`)).status).toBe(200);
    return { ex, b, fpm: Number(b.events('service.start').find((l) => l.service === 'php-fpm')!.pid) };
  };

  it('its socket deleted: unhealthy, restarted, the socket back; 502s only for a bounded moment', async () => {
    const { ex, b, fpm } = await start();
    const load = traffic(`http://127.0.0.1:${ex.port}/`);
    await until(() => load.seen.filter((x) => x.status === 200).length >= 3, 'three 200s before');
    const deletedAt = Date.now();
    rmSync(ex.socket);
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'php-fpm' }, 30_000);
    expect(unhealthy.why).toBe(`FastCGI request to unix:${ex.socket} failed: ENOENT`);
    expect(String(unhealthy.msg)).toContain(`unix:${ex.socket} does not exist`);
    const second = await nthEvent(b, 2, 'service.start', { service: 'php-fpm' });
    await nthEvent(b, 2, 'ready');
    expect(existsSync(ex.socket)).toBe(true);
    const res = await httpGet(`http://127.0.0.1:${ex.port}/`);
    expect(res.status).toBe(200);
    const after = load.seen.length;
    await until(() => load.seen.length >= after + 3, 'three answers after');
    await load.stop();
    expect(alive(fpm)).toBe(false);
    expect(groupMembers(fpm)).toEqual([]);
    expect(Number(second.pid)).not.toBe(fpm);
    // nginx was never restarted; the 5xx stopped once php-fpm was back
    expect(b.events('service.start').filter((l) => l.service === 'nginx')).toHaveLength(1);
    const bad = load.seen.filter((s) => s.status !== 200);
    expect(bad.length).toBeGreaterThan(0);
    const lastBad = Math.max(...bad.map((s) => s.at));
    // two checks 300 ms apart, a 1 s backoff, php-fpm's start: a few seconds, not until someone notices
    expect(lastBad - deletedAt).toBeLessThan(8000);
    expect(load.seen.filter((s) => s.at > lastBad).every((s) => s.status === 200)).toBe(true);
  });

  it("its workers killed: php-fpm's master replaces them; berth keeps it (no restart) and nginx answers 200", async () => {
    const { ex, b, fpm } = await start();
    const workers = groupMembers(fpm).filter((p) => p !== fpm);
    expect(workers.length).toBeGreaterThan(0);
    const load = traffic(`http://127.0.0.1:${ex.port}/`);
    for (const w of workers) process.kill(w, 'SIGKILL');
    // wait for php-fpm to say it replaced them, then for a few more passing checks
    await b.waitFor((l) => l.service === 'php-fpm' && /exited on signal 9/.test(String(l.msg)), 20_000, "php-fpm's child exited line");
    await b.waitFor((l) => l.service === 'php-fpm' && /started/.test(String(l.msg)) && b.lines.indexOf(l) > b.lines.findIndex((x) => /exited on signal 9/.test(String(x.msg))), 20_000, 'a new child');
    // nginx answers 200 again: two requests in a row sent after the new child was logged (one
    // GET at that moment could still meet the other killed worker's replacement being made)
    const replaced = Date.now();
    await until(() => load.seen.filter((x) => x.at >= replaced).slice(-2).filter((x) => x.status === 200).length === 2, 'two 200s in a row after the new child', 10_000);
    await load.stop();
    expect(b.events('service.unhealthy')).toEqual([]);
    expect(b.events('service.start')).toHaveLength(2);
    expect(alive(fpm)).toBe(true);
    // nginx's answers meanwhile: at most the requests in flight when the workers died failed
    expect(load.seen.filter((s) => s.status !== 200).length).toBeLessThanOrEqual(workers.length);
  });

  it('its workers hung (SIGSTOP): the ping gets no answer, php-fpm is stopped (SIGCONT with SIGQUIT) and restarted', async () => {
    const { ex, b, fpm } = await start();
    const workers = groupMembers(fpm).filter((p) => p !== fpm);
    for (const w of workers) process.kill(w, 'SIGSTOP');
    const unhealthy = await b.waitForEvent('service.unhealthy', { service: 'php-fpm' }, 30_000);
    expect(String(unhealthy.why)).toContain('no answer within 1000ms');
    await nthEvent(b, 2, 'ready');
    expect((await httpGet(`http://127.0.0.1:${ex.port}/`)).status).toBe(200);
    expect(groupMembers(fpm)).toEqual([]);
  });
});
