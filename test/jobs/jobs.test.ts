// jobs: with the real berth and real processes, on `@every 1s`: the first run once every
// service is ready, failures and timeouts that never end the container, overlap, shutdown.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, runBerth, startBerth, tempDir, type Berth, type Line } from '../helpers/berth.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
function setup(yaml: (dir: string) => string) {
  const t = tempDir('berth-jobs-');
  dirs.push(t);
  const cfg = t.write('berth.yaml', yaml(t.dir));
  return { dir: t.dir, args: ['-c', cfg, '--ready-file', join(t.dir, 'ready')] };
}
const nth = (b: Berth, n: number, event: string, timeoutMs = 20_000): Promise<Line> =>
  b.waitFor(() => b.events(event).length >= n, timeoutMs, `${n} × ${event}`).then(() => b.events(event)[n - 1]!);
const SERVICE = `services:\n  app:\n    command: [sleep, "60"]\n`;

describe('jobs', () => {
  it('first runs once every service is ready, then at each time; a failing run never ends the container', async () => {
    const { dir, args } = setup((d) => `services:
  app:
    shell: true
    command: 'sleep 1; touch ${d}/up; exec sleep 60'
    ready: file:${d}/up
jobs:
  tick:
    schedule: "@every 1s"
    shell: true
    command: 'echo "run in $PWD"; n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; [ $n -ne 1 ]'
    cwd: ${d}
`);
    const b = startBerth(args);
    const ready = await b.waitForEvent('ready');
    const scheduled = b.events('job.scheduled')[0]!;
    expect(scheduled).toMatchObject({ job: 'tick', schedule: '@every 1s' });
    const first = await nth(b, 1, 'job.start');
    expect(b.lines.indexOf(first)).toBeGreaterThan(b.lines.indexOf(ready));
    expect(first).toMatchObject({ job: 'tick', trigger: 'schedule', cwd: dir, argv: ['/bin/sh', '-c', expect.any(String)] });
    const exits = [await nth(b, 1, 'job.exit'), await nth(b, 2, 'job.exit'), await nth(b, 3, 'job.exit')];
    expect(exits.map((l) => [l.job, l.status, l.level])).toEqual([['tick', 0, 'info'], ['tick', 1, 'error'], ['tick', 0, 'info']]);
    expect(exits.every((l) => typeof l.durationMs === 'number')).toBe(true);
    // its output is relayed like a task's
    expect(b.lines.find((l) => l.stream === 'stdout' && l.service === 'tick')).toMatchObject({ msg: `run in ${dir}` });
    // one second apart, counted from the previous due time, not from when a run ended
    // (an @every time is monotonic; its wall-clock form may differ by a rounded millisecond)
    const due = b.events('job.start').slice(0, 3).map((l) => Date.parse(String(l.dueAt)));
    expect(Math.abs(due[1]! - due[0]! - 1000)).toBeLessThanOrEqual(2);
    expect(Math.abs(due[2]! - due[1]! - 1000)).toBeLessThanOrEqual(2);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('a run longer than its timeout gets SIGTERM and ends with 124', async () => {
    const { args } = setup(() => `${SERVICE}jobs:
  slow:
    schedule: "@every 1s"
    command: [sleep, "30"]
    timeout: 300ms
`);
    const b = startBerth(args);
    const exit = await nth(b, 1, 'job.exit');
    expect(exit).toMatchObject({ job: 'slow', status: 124, timedOut: true, signal: 'SIGTERM' });
    expect(b.events('job.timeout')).toHaveLength(1);
    expect(b.proc.exitCode).toBeNull(); // still running
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('overlap: skip (the default) skips a time while a run is going', async () => {
    const { args } = setup(() => `${SERVICE}jobs:
  long:
    schedule: "@every 1s"
    command: [sleep, "2.5"]
`);
    const b = startBerth(args);
    const skipped = await nth(b, 1, 'job.skipped');
    const start = b.events('job.start')[0]!;
    expect(skipped).toMatchObject({ job: 'long', pids: [start.pid], trigger: 'schedule' });
    expect(b.events('job.start')).toHaveLength(1);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('overlap: allow runs them side by side; replace stops the old run first', async () => {
    const { args } = setup(() => `${SERVICE}jobs:
  both:
    schedule: "@every 1s"
    command: [sleep, "2.5"]
    overlap: allow
  newest:
    schedule: "@every 1s"
    command: [sleep, "30"]
    overlap: replace
`);
    const b = startBerth(args);
    await b.waitFor(() => b.events('job.start').filter((l) => l.job === 'both').length >= 2, 20_000, 'two runs of both');
    const [a, c] = b.events('job.start').filter((l) => l.job === 'both');
    expect(alive(Number(a!.pid)) && alive(Number(c!.pid))).toBe(true);
    const replaced = await b.waitForEvent('job.replaced', { job: 'newest' });
    const old = b.events('job.start').find((l) => l.job === 'newest')!;
    expect(replaced.pids).toEqual([old.pid]);
    await b.waitFor((l) => l.event === 'job.exit' && l.pid === old.pid, 10_000, 'the old run ending');
    await b.waitFor(() => b.events('job.start').filter((l) => l.job === 'newest').length >= 2, 10_000, 'the new run');
    const oldExit = b.events('job.exit').find((l) => l.pid === old.pid)!;
    const second = b.events('job.start').filter((l) => l.job === 'newest')[1]!;
    expect(oldExit).toMatchObject({ signal: 'SIGTERM' });
    expect(b.lines.indexOf(oldExit)).toBeLessThan(b.lines.indexOf(second));
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('at shutdown a running job gets SIGTERM, and SIGKILL if it outlives shutdownTimeout', async () => {
    const { args } = setup(() => `shutdownTimeout: 1500ms
${SERVICE}jobs:
  polite:
    schedule: "@every 1s"
    command: [sleep, "30"]
  stubborn:
    schedule: "@every 1s"
    shell: true
    command: "trap '' TERM; sleep 30 & wait; sleep 30"
`);
    const b = startBerth(args);
    await b.waitFor(() => new Set(b.events('job.start').map((l) => l.job)).size === 2, 20_000, 'both jobs running');
    const pids = b.events('job.start').map((l) => Number(l.pid));
    const t0 = Date.now();
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    const exits = Object.fromEntries(b.events('job.exit').map((l) => [String(l.job), l.signal]));
    expect(exits).toEqual({ polite: 'SIGTERM', stubborn: 'SIGKILL' });
    expect(b.events('job.stop').map((l) => l.job).sort()).toEqual(['polite', 'stubborn']);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('with jobs and no services, berth runs the jobs until it is told to stop', async () => {
    const { args } = setup(() => `jobs:
  tick:
    schedule: "@every 1s"
    command: [echo, tick]
`);
    const b = startBerth(args);
    await nth(b, 2, 'job.exit');
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('a job whose command is missing fails preflight, as a task would (127)', async () => {
    const { args } = setup(() => `${SERVICE}jobs:
  nope:
    schedule: "@hourly"
    command: [no-such-program-here]
`);
    const r = await runBerth(args);
    expect(r.code).toBe(127);
    expect(r.events('preflight.failed')[0]!.problems).toEqual([expect.stringContaining('nope: command "no-such-program-here" not found')]);
  });
});
