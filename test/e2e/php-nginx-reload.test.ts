// berth ctl reload on examples/php-nginx with the real php-fpm and nginx: a broken nginx.conf
// changes nothing (78, nginx keeps serving); a good one reloads nginx in place (SIGHUP, same
// master) while php-fpm is not touched, and a client hammering the page sees no 5xx.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binaries, fleet, httpGet, PAGE, prepareExample, type Example } from '../fixtures/presets/php-nginx.js';
import { runCtl } from '../helpers/ctl.js';

describe.skipIf(binaries.missing)('berth ctl reload with php-fpm and nginx', () => {
  const berths = fleet();
  const copies: Example[] = [];
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });

  it('a broken nginx.conf: nothing changes (78) and nginx keeps serving; a fixed one: nginx reloaded in place, php-fpm untouched, no 5xx under load', async () => {
    const ex = await prepareExample();
    copies.push(ex);
    const control = join(ex.dir, 'ctl', 'control.sock');
    const b = berths.start(ex.args(), { ...ex.env, BERTH_CONTROL: control });
    await b.waitForEvent('ready', {}, 30_000);
    const pids = Object.fromEntries(b.events('service.start').map((l) => [String(l.service), Number(l.pid)]));
    const conf = join(ex.dir, 'nginx', 'nginx.conf');
    const good = readFileSync(conf, 'utf8');

    // load: four clients in a loop for the whole test, every answer counted
    const statuses = new Map<string, number>();
    let running = true;
    const client = async () => {
      while (running) {
        const r = await httpGet(`http://127.0.0.1:${ex.port}/`).then((x) => String(x.status), (e: Error) => `error ${e.message}`);
        statuses.set(r, (statuses.get(r) ?? 0) + 1);
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);

    writeFileSync(conf, good.replace('http {', 'http {\n    bogus_directive on;'));
    const broken = await runCtl(['reload'], { control });
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/nothing changed/);
    expect(broken.stderr).toMatch(/nginx: .*unknown directive "bogus_directive"/);
    expect((await b.waitForEvent('reload.failed')).problems).toEqual([expect.stringMatching(/bogus_directive/)]);
    expect((await httpGet(`http://127.0.0.1:${ex.port}/`)).body).toMatch(PAGE);

    writeFileSync(conf, good.replace('        location / {', '        location = /reloaded {\n            return 200 "reloaded\\n";\n        }\n\n        location / {'));
    const fixed = await runCtl(['reload'], { control });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/nginx: reload in place \(SIGHUP\) \(nginx configuration changed\)/);
    expect(fixed.stdout).toMatch(/php-fpm: untouched/);
    expect(await b.waitForEvent('reload.done')).toMatchObject({ reloaded: ['nginx'], unchanged: ['php-fpm'], restarted: [], added: [], removed: [] });
    // nginx re-read its files: the new location answers (its master is the same process)
    const deadline = Date.now() + 15_000;
    let body = '';
    while (Date.now() < deadline && body !== 'reloaded\n') body = (await httpGet(`http://127.0.0.1:${ex.port}/reloaded`)).body;
    expect(body).toBe('reloaded\n');
    const status = await runCtl(['status', '--json'], { control });
    const services = (JSON.parse(status.stdout) as { services: { name: string; pid: number; restarts: number }[] }).services;
    expect(services.map((s) => [s.name, s.pid, s.restarts])).toEqual([['php-fpm', pids['php-fpm'], 0], ['nginx', pids.nginx, 0]]);
    expect(b.events('service.start')).toHaveLength(2);

    running = false;
    await load;
    const total = [...statuses.values()].reduce((a, n) => a + n, 0);
    expect(total).toBeGreaterThan(20);
    expect(Object.fromEntries(statuses)).toEqual({ '200': total });
  });
});
