// berth ctl with replicas and jobs: `queue` is every replica, `queue:2` one; status shows
// each replica and each job's last run, status and next time; `start JOB` runs it now.
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../helpers/berth.js';
import { startControlled, type Controlled } from '../helpers/ctl.js';

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));
const start = (config: string) => {
  const c = startControlled(config);
  open.push(c);
  return c;
};

const CONFIG = `
control: CONTROL
services:
  queue:
    shell: true
    command: "trap '' HUP; exec sleep 1000"
    replicas: 3
jobs:
  report:
    schedule: "0 3 * * *"
    timezone: Europe/Berlin
    shell: true
    command: 'echo "report run"; exit 3'
`;

type Status = Awaited<ReturnType<Controlled['status']>>;
const rows = (s: Status) => s.services.map((r) => [r.name, r.replica, r.state]);

describe('berth ctl with replicas and jobs', () => {
  it('status shows each replica and each job; start JOB runs it now, and status then shows that run', async () => {
    const c = start(CONFIG);
    await c.berth.waitForEvent('ready');
    let s = await c.status();
    expect(rows(s)).toEqual([['queue', 1, 'ready'], ['queue', 2, 'ready'], ['queue', 3, 'ready']]);
    const [job] = s.jobs as { name: string; schedule: string; timezone: string; lastRun: unknown; nextRun: number; running: number[] }[];
    expect(job).toMatchObject({ name: 'report', schedule: '0 3 * * *', timezone: 'Europe/Berlin', lastRun: null, running: [] });
    // 03:00 in Berlin is 01:00 or 02:00 UTC
    expect(new Date(job!.nextRun).getUTCMinutes()).toBe(0);
    expect([1, 2]).toContain(new Date(job!.nextRun).getUTCHours());
    expect(job!.nextRun).toBeGreaterThan(Date.now());

    const ran = await c.ctl(['start', 'report']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/job report started now \(pid \d+\)/);
    const exit = await c.berth.waitForEvent('job.exit', { job: 'report' });
    expect(exit).toMatchObject({ status: 3 });
    expect(c.berth.events('job.start')[0]).toMatchObject({ trigger: 'ctl' });
    expect(c.berth.events('control.start')[0]).toMatchObject({ names: ['report'] });
    s = await c.status();
    expect(s.jobs[0]).toMatchObject({ lastRun: { status: 3, timedOut: false, durationMs: expect.any(Number), startedAt: expect.any(Number) } });
    const table = await c.ctl(['status']);
    expect(table.stdout).toMatch(/^JOB\s+SCHEDULE\s+LAST RUN\s+STATUS\s+TOOK\s+NEXT RUN\s+RUNNING$/m);
    expect(table.stdout).toMatch(/^report\s+0 3 \* \* \* \(Europe\/Berlin\)\s+\S+ ago\s+3\s+\S+\s+in \S+ \(\S+\)\s+-$/m);
    expect(table.stdout).toMatch(/^queue:3\s+ready\s/m);
  });

  it('queue:2 is one replica; queue is all of them', async () => {
    const c = start(CONFIG);
    await c.berth.waitForEvent('ready');
    const pids = c.berth.events('service.start').map((l) => Number(l.pid));

    const one = await c.ctl(['stop', 'queue:2']);
    expect(one.code).toBe(0);
    expect(alive(pids[1]!)).toBe(false);
    expect(alive(pids[0]!) && alive(pids[2]!)).toBe(true);
    expect(rows(await c.status())).toEqual([['queue', 1, 'ready'], ['queue', 2, 'stopped'], ['queue', 3, 'ready']]);

    const all = await c.ctl(['restart', 'queue']);
    expect(all.code).toBe(0);
    expect(all.stdout.match(/restarted and ready/g)).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
    expect(rows(await c.status())).toEqual([['queue', 1, 'ready'], ['queue', 2, 'ready'], ['queue', 3, 'ready']]);

    const signalled = await c.ctl(['signal', 'HUP', 'queue:1']);
    expect(signalled.code).toBe(0);
    expect(c.berth.events('signal.sent')[0]).toMatchObject({ service: 'queue', replica: 1, signal: 'SIGHUP' });

    const unknown = await c.ctl(['stop', 'queue:4']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/"queue:4": no such service; this berth runs services: queue, queue:1, queue:2, queue:3; jobs: report/);
    c.berth.kill('SIGTERM');
    await c.berth.exited;
  });
});

describe('berth ctl before the services start', () => {
  it('shows a pending row for each replica while a task runs', async () => {
    const c = start(`
control: CONTROL
tasks:
  - name: slow
    command: [sleep, "30"]
services:
  queue:
    command: [sleep, "1000"]
    replicas: 2
`);
    await c.berth.waitForEvent('task.start');
    const s = await c.status();
    expect(s.services.map((r) => [r.name, r.replica, r.state])).toEqual([['queue', 1, 'pending'], ['queue', 2, 'pending']]);
    c.berth.kill('SIGTERM');
    await c.berth.exited;
  });
});
