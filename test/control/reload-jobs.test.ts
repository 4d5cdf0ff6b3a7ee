// berth ctl reload and scheduled jobs, against a real berth: a changed job runs its new
// command from its next time on, an added one is scheduled, a removed one is no longer (its
// run going at the reload finishes), an unchanged one keeps its next time; a job whose
// command is missing refuses the whole reload (78) and nothing changes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from '../helpers/ctl.js';
import type { Line } from '../helpers/berth.js';

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

const BEFORE = `
control: CONTROL
services:
  app:
    command: [sleep, "1000"]
jobs:
  tick:
    schedule: "@every 1s"
    command: [echo, old-tick]
  gone:
    schedule: "@every 1s"
    shell: true
    command: 'echo gone-begins; sleep 5; echo gone-finished'
  still:
    schedule: "@every 1h"
    command: ["true"]
`;
const AFTER = `
control: CONTROL
services:
  app:
    command: [sleep, "1000"]
jobs:
  tick:
    schedule: "@every 1s"
    command: [echo, new-tick]
  added:
    schedule: "@every 1s"
    command: [echo, added-run]
  still:
    schedule: "@every 1h"
    command: ["true"]
`;

const out = (job: string, msg: string) => (l: Line) => l.stream === 'stdout' && l.service === job && l.msg === msg;
type JobRow = { name: string; nextRun: number | null; running: number[] };

describe('berth ctl reload: jobs', () => {
  it('changed, added, removed and unchanged jobs are applied as they run; a job that cannot start refuses the reload', async () => {
    const c = startControlled(BEFORE);
    open.push(c);
    const b = c.berth;
    await b.waitFor(out('tick', 'old-tick'), 20_000, 'the old tick output');
    const jobsNow = async () => (await c.status()).jobs as JobRow[];
    const stillNext = (await jobsNow()).find((j) => j.name === 'still')!.nextRun!;
    const write = (yaml: string) => writeFileSync(join(c.dir, 'berth.yaml'), yaml.replaceAll('CONTROL', c.control));

    // a job whose command is missing: 78, nothing changes
    write(`${AFTER}  broken:\n    schedule: "@every 1s"\n    command: [no-such-program-here]\n`);
    const refused = await c.ctl(['reload']);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(/broken: command "no-such-program-here" not found/);
    expect(b.events('reload.done')).toEqual([]);
    expect((await jobsNow()).map((j) => j.name)).toEqual(['tick', 'gone', 'still']);

    write(AFTER);
    const dry = await c.ctl(['reload', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/job tick: schedule anew from now \(argv changed\)/);
    expect(dry.stdout).toMatch(/job added: schedule/);
    expect(dry.stdout).toMatch(/job gone: unschedule \(a run going now finishes\)/);
    expect(dry.stdout).toMatch(/job still: untouched/);
    expect(dry.stdout).not.toMatch(/needs a container restart/);
    expect((await jobsNow()).map((j) => j.name)).toEqual(['tick', 'gone', 'still']);

    // reload while a run of `gone` is going: it is let finish, and never starts again
    const goneRun = await b.waitFor((l) => l.event === 'job.start' && l.job === 'gone' && !b.lines.some((x) => x.event === 'job.exit' && x.pid === l.pid), 20_000, 'a run of gone going');
    const r = await c.ctl(['reload']);
    expect(r.code).toBe(0);
    const done = await b.waitForEvent('reload.done');
    expect(done).toMatchObject({ jobs: { removed: ['gone'], added: ['added'], changed: ['tick'], unchanged: ['still'] }, needsRestart: [] });
    const at = b.lines.indexOf(done);
    const removed = b.events('job.removed')[0]!;
    expect(removed).toMatchObject({ job: 'gone', running: [goneRun.pid] });

    const after = (pred: (l: Line) => boolean, what: string) => b.waitFor((l) => b.lines.indexOf(l) > at && pred(l), 20_000, what);
    await after(out('gone', 'gone-finished'), 'the run of the removed job finishing');
    await after((l) => l.event === 'job.exit' && l.pid === goneRun.pid && l.status === 0, 'its exit, status 0');
    await after(out('added', 'added-run'), 'the added job running');
    const firstNew = await after(out('tick', 'new-tick'), 'the changed job running its new command');
    await b.waitFor((l) => b.lines.indexOf(l) > b.lines.indexOf(firstNew) && out('tick', 'new-tick')(l), 20_000, 'a second new tick');
    const since = b.lines.slice(at);
    expect(since.filter((l) => l.event === 'job.start' && l.job === 'tick').every((l) => JSON.stringify(l.argv) === '["echo","new-tick"]')).toBe(true);
    expect(b.lines.slice(b.lines.indexOf(firstNew)).some(out('tick', 'old-tick'))).toBe(false);
    expect(since.some((l) => l.event === 'job.start' && l.job === 'gone')).toBe(false);
    // the unchanged job kept its next time; `berth ctl status` lists the new jobs
    const rows = await jobsNow();
    expect(rows.map((j) => j.name)).toEqual(['tick', 'still', 'added']);
    expect(Math.abs(rows.find((j) => j.name === 'still')!.nextRun! - stillNext)).toBeLessThanOrEqual(5);
    expect(b.proc.exitCode).toBe(null);
  });

  it('a berth with no job: a reload adds one, and shutdown still stops a removed job’s run', async () => {
    const c = startControlled(`
control: CONTROL
services:
  app:
    command: [sleep, "1000"]
`);
    open.push(c);
    const b = c.berth;
    await b.waitForEvent('ready');
    writeFileSync(join(c.dir, 'berth.yaml'), `
control: ${c.control}
services:
  app:
    command: [sleep, "1000"]
jobs:
  long:
    schedule: "@every 1s"
    shell: true
    command: 'echo long-begins; exec sleep 1000'
`);
    expect((await c.ctl(['reload'])).code).toBe(0);
    const run = await b.waitForEvent('job.start', { job: 'long' });
    writeFileSync(join(c.dir, 'berth.yaml'), `
control: ${c.control}
services:
  app:
    command: [sleep, "1000"]
`);
    expect((await c.ctl(['reload'])).code).toBe(0);
    await b.waitForEvent('job.removed', { job: 'long' });
    expect((await c.status()).jobs).toEqual([]);
    // the removed job's run still goes; the shutdown stops it with the rest
    b.kill('SIGTERM');
    await b.waitForEvent('job.stop', { job: 'long' });
    const exit = await b.waitFor((l) => l.event === 'job.exit' && l.pid === run.pid, 20_000, 'the removed run ended');
    expect(exit).toMatchObject({ signal: 'SIGTERM' });
    expect((await b.exited).code).toBe(0);
  });
});
