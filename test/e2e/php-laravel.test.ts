// examples/php-laravel on the real php-fpm and nginx: the migration as a task, php-fpm and
// nginx with their presets, two queue workers (replicas) and the scheduler (a job, `@every 1s`
// here): it all starts, serves 200, the job queues work the workers do, and SIGTERM stops
// every worker gracefully.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { binaries, fleet, httpGet } from '../fixtures/presets/php-nginx.js';
import { copyLaravel, type LaravelCopy } from '../fixtures/php-laravel.js';
import { processStat } from '../../src/os/proc.js';
import { runCtl } from '../helpers/ctl.js';
import { exitWithin } from '../helpers/exit.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe.skipIf(binaries.missing)(`examples/php-laravel${skipped}`, () => {
  const berths = fleet();
  const copies: LaravelCopy[] = [];
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((c) => c.remove());
  });

  it('migrates, serves 200 through nginx, runs two workers and the scheduler, and stops the workers gracefully', async () => {
    const ex = await copyLaravel();
    copies.push(ex);
    const b = berths.start(ex.args, ex.env);
    await b.waitForEvent('ready', {}, 60_000);

    // the migration ran first, as www-data, in the app's directory
    expect(b.events('task.exit')).toEqual([expect.objectContaining({ task: 'migrate', status: 0 })]);
    expect(b.lines.find((l) => l.service === 'migrate' && l.stream)).toMatchObject({ msg: 'Migrated: 2026_01_01_000000_create_reports_table.php' });
    // php-fpm, nginx and two workers, each worker its own process group, as www-data
    const starts = b.events('service.start').map((l) => [l.service, l.replica]);
    expect(starts).toEqual(expect.arrayContaining([['php-fpm', undefined], ['nginx', undefined], ['queue', 1], ['queue', 2]]));
    const workers = b.events('service.start').filter((l) => l.service === 'queue').map((l) => Number(l.pid));
    for (const pid of workers) {
      expect(processStat(pid)?.pgrp).toBe(pid);
      expect(uidOf(pid)).toBe(33);
    }

    const res = await httpGet(`http://127.0.0.1:${ex.port}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^hello from php-fpm 8\.2/);

    // the scheduler runs on time, queues a report, and a worker processes it
    const run = await b.waitForEvent('job.exit', { job: 'scheduler' }, 20_000);
    expect(run).toMatchObject({ status: 0 });
    const processed = await b.waitFor((l) => l.service === 'queue' && /^worker \d: processed report/.test(String(l.msg)), 20_000, 'a worker processing the report');
    expect([1, 2]).toContain(processed.replica);
    await b.waitFor(() => b.events('job.exit').length >= 2, 20_000, 'a second run of the scheduler');
    // the page sees the work done
    const after = await httpGet(`http://127.0.0.1:${ex.port}/`);
    expect(after.body).toMatch(/jobs processed: [1-9]\d*, waiting: \d+, scheduler last ran: \d+\.\d+/);

    // berth ctl: the two workers as rows of their own, the scheduler with its last and next run
    const status = JSON.parse((await runCtl(['status', '--json'], { control: ex.control })).stdout) as { services: { name: string; replica?: number; state: string }[]; jobs: { name: string; lastRun: { status: number } | null; nextRun: number | null }[] };
    expect(status.services.filter((s) => s.name === 'queue').map((s) => [s.replica, s.state])).toEqual([[1, 'ready'], [2, 'ready']]);
    expect(status.jobs).toEqual([expect.objectContaining({ name: 'scheduler', schedule: '@every 1s', lastRun: expect.objectContaining({ status: 0 }), nextRun: expect.any(Number) })]);
    const table = await runCtl(['status'], { control: ex.control });
    expect(table.stdout).toMatch(/^queue:2\s+ready\s/m);
    expect(table.stdout).toMatch(/^scheduler\s+@every 1s\s+\S+ ago\s+0\s/m);
    // and runs it now when asked
    const now = await runCtl(['start', 'scheduler'], { control: ex.control });
    expect([0, 1]).toContain(now.code); // 1: a scheduled run was going at that moment (overlap: skip)
    if (now.code === 0) await b.waitForEvent('job.start', { job: 'scheduler', trigger: 'ctl' }, 10_000);

    b.kill('SIGTERM');
    expect(await exitWithin(b, 30_000)).toEqual({ code: 0, signal: null });
    const byReplica = (event: string) => b.events(event).filter((l) => l.service === 'queue').map((l) => [l.replica, l.status, l.killed]).sort();
    expect(byReplica('service.exit')).toEqual([[1, 0, false], [2, 0, false]]);
    const said = b.lines.filter((l) => l.service === 'queue' && /stopped gracefully/.test(String(l.msg))).map((l) => l.replica).sort();
    expect(said).toEqual([1, 2]);
  });
});
