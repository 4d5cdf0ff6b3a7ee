// The jobs a reload changes, through the Runner seam with a fake clock: no process starts,
// every run ends when the test says, time moves when the test says.
import { describe, expect, it, vi } from 'vitest';
import type { Child } from '../../src/process/child.js';
import type { ExitInfo } from '../../src/process/exit.js';
import type { Runner } from '../../src/lifecycle/runner.js';
import type { EventLog, JobPlan } from '../../src/types.js';
import { createJobs } from '../../src/jobs/index.js';
import { FakeClock } from './fake-clock.js';

function fakeRunner() {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const log = Object.fromEntries(['trace', 'debug', 'info', 'warn', 'error'].map((level) => [level, (event: string, fields: Record<string, unknown>) => void events.push({ event, fields })])) as unknown as EventLog;
  const runs: { plan: JobPlan; pid: number; end: (info: ExitInfo) => void; signals: string[] }[] = [];
  let pid = 100;
  const runner = {
    log,
    spawn(plan: JobPlan) {
      let end!: (info: ExitInfo) => void;
      const exited = new Promise<ExitInfo>((r) => (end = r));
      const run = { plan, pid: ++pid, end, signals: [] as string[] };
      runs.push(run);
      const child: Child = { pid: run.pid, stdout: null, stderr: null, exited, signalGroup: (s: NodeJS.Signals) => (run.signals.push(s), true), outputInodes: [] };
      return child;
    },
    relayOutput: () => Promise.resolve(),
    lastLines: () => [],
    delay: () => Promise.resolve(true),
    adopted: () => [],
  } as unknown as Runner;
  return { runner, events, runs, named: (e: string) => events.filter((x) => x.event === e) };
}

const job = (over: Partial<JobPlan>): JobPlan => ({
  name: 'j', argv: ['old'], shell: false, cwd: '/', env: {}, envKeys: [], requires: [],
  schedule: { kind: 'every', everyMs: 1000 }, scheduleText: '@every 1s', timezone: 'UTC', overlap: 'skip', ...over,
});
const settle = () => new Promise((r) => setImmediate(r));

describe('jobs changed by a reload', () => {
  it('changed: the run going keeps its command and finishes; the next meets it as the new overlap says, then runs the new command', async () => {
    const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
    const f = fakeRunner();
    const jobs = createJobs([job({})], f.runner, clock);
    jobs.start();
    clock.advance(1000);
    expect(f.runs.map((r) => r.plan.argv)).toEqual([['old']]);
    jobs.change(job({ argv: ['new'], overlap: 'skip', schedule: { kind: 'every', everyMs: 2000 }, scheduleText: '@every 2s' }));
    clock.advance(1999);
    expect(f.runs).toHaveLength(1); // scheduled anew from the change: 2 s from now
    clock.advance(1);
    expect(f.named('job.skipped')).toHaveLength(1); // the old run is still going: skip
    expect(f.runs[0]!.signals).toEqual([]); // and it was never signalled
    f.runs[0]!.end({ code: 0, signal: undefined });
    await settle();
    clock.advance(2000);
    expect(f.runs.map((r) => r.plan.argv)).toEqual([['old'], ['new']]);
    expect(jobs.status()).toMatchObject([{ name: 'j', schedule: '@every 2s' }]);
  });

  it('removed: never runs again; its run going finishes; shutdown still stops it', async () => {
    const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
    const f = fakeRunner();
    const jobs = createJobs([job({}), job({ name: 'other', argv: ['other'] })], f.runner, clock);
    jobs.start();
    clock.advance(1000);
    expect(f.runs).toHaveLength(2);
    f.runs[1]!.end({ code: 0, signal: undefined });
    await settle();
    let gone = false;
    void jobs.remove('j').then(() => (gone = true));
    expect(f.named('job.removed')[0]!.fields).toMatchObject({ job: 'j', running: [101] });
    expect(jobs.status().map((s) => s.name)).toEqual(['other']);
    clock.advance(5000);
    expect(f.runs.filter((r) => r.plan.name === 'j')).toHaveLength(1);
    expect(f.runs.filter((r) => r.plan.name === 'other').length).toBe(2); // the other keeps its times (then skips: its run is going)
    expect(jobs.runNow('j')).toBeUndefined();
    await settle();
    expect(gone).toBe(false);
    const stopping = jobs.stop(Date.now() + 1000);
    expect(f.runs[0]!.signals).toContain('SIGTERM');
    f.runs[0]!.end({ code: undefined, signal: 'SIGTERM' });
    f.runs[2]!.end({ code: undefined, signal: 'SIGTERM' });
    await stopping;
    await vi.waitFor(() => expect(gone).toBe(true));
  });

  it('added: scheduled from when it was added, and once start() came, logged as scheduled', () => {
    const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
    const f = fakeRunner();
    const jobs = createJobs([], f.runner, clock);
    jobs.start();
    expect(clock.pending).toBe(0);
    clock.advance(700);
    jobs.add(job({ name: 'new', argv: ['new'] }));
    expect(f.named('job.scheduled')[0]!.fields).toMatchObject({ job: 'new', nextRun: '2026-06-01T12:00:01.700Z' });
    clock.advance(1000);
    expect(f.runs.map((r) => r.plan.name)).toEqual(['new']);
  });
});
