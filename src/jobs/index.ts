// Layer jobs: scheduled jobs (schedule, clock, runs). May import process (with its Runner,
// the one seam tasks, services and jobs share), control (the target types), config, types
// and errors; lifecycle starts and stops it, it never imports lifecycle.
// Scheduled jobs (CONTRACT §11): the scheduler says when, each Job runs and reports.
// Started once every service is ready; stopped inside the shutdown's deadline.
import type { JobPlan } from '../types.js';
import type { Runner } from '../process/runner.js';
import { Job, type LastRun, type TriggerResult } from './job.js';
import { Scheduler } from './scheduler.js';
import { timingOf } from './timing.js';
import { systemClock, type Clock } from './clock.js';

export { Job, type LastRun, type TriggerResult } from './job.js';

export interface JobStatus {
  name: string;
  schedule: string;
  timezone: string;
  overlap: JobPlan['overlap'];
  running: number[];
  lastRun?: LastRun;
  nextRun?: number;
}

export interface Jobs {
  /** the scheduler starts: each job first runs at its first time from now */
  start(): void;
  status(): JobStatus[];
  /** `berth ctl start JOB`: now, as its `overlap` allows */
  runNow(name: string): TriggerResult | undefined;
  stop(deadline: number): Promise<void>;
  kill(): void;
}

export function createJobs(plans: readonly JobPlan[], runner: Runner, clock: Clock = systemClock): Jobs {
  const jobs = new Map(plans.map((p) => [p.name, new Job(p, runner)]));
  const scheduler = new Scheduler(
    plans.map((p) => ({ name: p.name, timing: timingOf(p) })),
    clock,
    (due) => jobs.get(due.name)?.trigger({ by: 'schedule', dueAt: due.dueAt, lateMs: due.lateMs }),
  );
  return {
    start() {
      if (jobs.size === 0) return;
      scheduler.start();
      for (const j of jobs.values()) {
        const next = scheduler.nextRun(j.name);
        runner.log.info('job.scheduled', { job: j.name, schedule: j.plan.scheduleText, timezone: j.plan.timezone, nextRun: next === undefined ? undefined : new Date(next).toISOString() }, `job ${j.name} (${j.plan.scheduleText}) first runs at ${next === undefined ? 'no time' : new Date(next).toISOString()}`);
      }
    },
    status: () =>
      [...jobs.values()].map((j) => {
        const s: JobStatus = { name: j.name, schedule: j.plan.scheduleText, timezone: j.plan.timezone, overlap: j.plan.overlap, running: j.running };
        if (j.last) s.lastRun = j.last;
        const next = scheduler.nextRun(j.name);
        if (next !== undefined) s.nextRun = next;
        return s;
      }),
    runNow: (name) => jobs.get(name)?.trigger({ by: 'ctl' }),
    async stop(deadline) {
      scheduler.stop();
      await Promise.all([...jobs.values()].map((j) => j.stop(deadline)));
    },
    kill() {
      scheduler.stop();
      for (const j of jobs.values()) j.kill();
    },
  };
}
