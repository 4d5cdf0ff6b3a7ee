// php-fpm's master killed (kill -9) under a running nginx. With `restart: never` the container
// stops: nginx is stopped, berth exits 137. With `restart: on-failure` php-fpm comes back: the
// ready file is gone while it is down and back once it is ready, and nginx answers 200 again.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../helpers/berth.js';
import { binaries, editYaml, fleet, groupMembers, httpGet, nthEvent, PAGE, parentOf, prepareExample, timeOf, workerPid, type Example } from '../fixtures/presets/php-nginx.js';
import { exitWithin } from '../helpers/exit.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';
if (binaries.missing) console.warn(`skipping the php-nginx crash end-to-end tests: ${binaries.missing}`);

describe.skipIf(binaries.missing)(`examples/php-nginx when php-fpm's master dies${skipped}`, () => {
  const berths = fleet();
  const copies: Example[] = [];
  const example = async (restart?: 'on-failure') => {
    const ex = await prepareExample();
    copies.push(ex);
    if (restart) editYaml(join(ex.dir, 'berth.yaml'), (doc) => doc.setIn(['services', 'php-fpm', 'restart'], restart));
    return ex;
  };
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });

  it('restart: never — berth stops nginx and exits 137, leaving none of php-fpm\'s workers behind', async () => {
    const ex = await example();
    const b = berths.start(ex.args(), ex.env);
    await b.waitForEvent('ready', {}, 30_000);
    const fpm = Number((await b.waitForEvent('service.start', { service: 'php-fpm' })).pid);
    const nginx = Number((await b.waitForEvent('service.start', { service: 'nginx' })).pid);

    process.kill(fpm, 'SIGKILL');
    expect(await exitWithin(b, 30_000)).toEqual({ code: 137, signal: null });
    expect(b.events('service.exit')[0]).toMatchObject({ service: 'php-fpm', pid: fpm, signal: 'SIGKILL', status: 137 });
    expect(b.events('service.stop')).toEqual([expect.objectContaining({ service: 'nginx', pid: nginx, signal: 'SIGQUIT' })]);
    expect(b.events('service.exit')[1]).toMatchObject({ service: 'nginx', status: 0, killed: false });
    expect(b.events('service.restart')).toEqual([]);
    expect(b.events('shutdown.done')).toEqual([expect.objectContaining({ status: 137, reason: 'php-fpm ended' })]);
    expect(existsSync(ex.readyFile)).toBe(false);
    expect([...groupMembers(fpm), ...groupMembers(nginx)]).toEqual([]);
  });

  it('restart: on-failure — php-fpm comes back, the ready file is absent while it is down, and nginx answers 200 again', async () => {
    const ex = await example('on-failure');
    const b = berths.start(ex.args(), ex.env);
    await b.waitForEvent('ready', {}, 30_000);
    expect((await httpGet(`http://127.0.0.1:${ex.port}/`)).status).toBe(200);
    const first = Number((await b.waitForEvent('service.start', { service: 'php-fpm' })).pid);
    const nginx = Number((await b.waitForEvent('service.start', { service: 'nginx' })).pid);
    expect(groupMembers(first).filter((p) => p !== first).length).toBeGreaterThan(0); // the worker that answered
    expect(existsSync(ex.readyFile)).toBe(true);

    process.kill(first, 'SIGKILL');
    await b.waitForEvent('service.exit', { service: 'php-fpm', pid: first, signal: 'SIGKILL' }, 30_000);
    // logged after the ready file is removed, and a whole backoff (1 s) before php-fpm restarts
    const restart = await b.waitForEvent('service.restart', { service: 'php-fpm' }, 30_000);
    expect(existsSync(ex.readyFile)).toBe(false);
    expect(restart).toMatchObject({ attempt: 1, delayMs: 1000, status: 137 });

    const again = await nthEvent(b, 2, 'service.start', { service: 'php-fpm' });
    const second = Number(again.pid);
    expect(second).not.toBe(first);
    const readyAgain = await nthEvent(b, 2, 'service.ready', { service: 'php-fpm' });
    expect(readyAgain.pid).toBe(second);
    const allReady = await nthEvent(b, 2, 'ready');
    expect(b.lines.indexOf(allReady)).toBeGreaterThan(b.lines.indexOf(readyAgain));
    const file = JSON.parse(readFileSync(ex.readyFile, 'utf8')) as { readyAt: number; services: Record<string, { pid: number }> };
    expect(file.services).toMatchObject({ 'php-fpm': { pid: second }, nginx: { pid: nginx } });
    expect(file.readyAt).toBeGreaterThanOrEqual(timeOf(readyAgain));

    // the crashed master's workers went with it: they held the socket, and would answer for it
    expect(groupMembers(first), "the crashed master's process group outlived it (its workers still hold the socket)").toEqual([]);
    const res = await httpGet(`http://127.0.0.1:${ex.port}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(PAGE);
    expect(parentOf(workerPid(res.body))).toBe(second);
    // the new php-fpm stayed up; nginx was never touched
    expect(alive(second)).toBe(true);
    expect(b.events('service.exit').map((l) => l.pid)).toEqual([first]);
    expect(b.events('service.start').filter((l) => l.service === 'nginx')).toHaveLength(1);

    b.kill('SIGTERM');
    expect(await exitWithin(b, 30_000)).toEqual({ code: 0, signal: null });
  });
});
