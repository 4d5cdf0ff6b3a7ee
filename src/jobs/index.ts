// Layer jobs: scheduled jobs (schedule, clock, runs). May import process (with its Runner,
// the one seam tasks, services and jobs share), control (the target types), config, types
// and errors; lifecycle starts and stops it, it never imports lifecycle.
// Scheduled jobs (CONTRACT §11): the scheduler says when, each Job runs and reports.
// Started once every service is ready; stopped inside the shutdown's deadline. A reload
// adds, removes and changes jobs as they run (CONTRACT §10): a removed job's run going
// now is let finish (under its timeout), and shutdown still stops it.
import type { JobPlan } from '../types.js';
import type { Runner } from '../process/runner.js';
import { Job, type LastRun, type TriggerResult } from './job.js';
import { Scheduler } from './scheduler.js';
import { timingOf } from './timing.js';
import { systemClock, type Clock } from './clock.js';
import { isoTime } from '../output/iso-time.js';

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
  /** a reload: a new job, first run at its first time from now (or from start(), not yet called) */
  add(plan: JobPlan): void;
  /** a reload: scheduled no more; a run going now finishes. Resolves once it has. */
  remove(name: string): Promise<void>;
  /** a reload: the next run uses this plan, its schedule reckoned from now; a run going now finishes */
  change(plan: JobPlan): void;
}

export function createJobs(plans: readonly JobPlan[], runner: Runner, clock: Clock = systemClock): Jobs {
  const jobs = new Map(plans.map((p) => [p.name, new Job(p, runner)]));
  /** removed by a reload with a run still going: shutdown stops them too */
  const retiring = new Map<string, Job>();
  let started = false;
  const scheduler = new Scheduler(
    plans.map((p) => ({ name: p.name, timing: timingOf(p) })),
    clock,
    (due) => jobs.get(due.name)?.trigger({ by: 'schedule', dueAt: due.dueAt, lateMs: due.lateMs }),
  );
  return {
    start() {
      if (started) return;
      started = true;
      scheduler.start();
      for (const j of jobs.values()) scheduled(j);
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
      await Promise.all([...jobs.values(), ...retiring.values()].map((j) => j.stop(deadline)));
    },
    kill() {
      scheduler.stop();
      for (const j of [...jobs.values(), ...retiring.values()]) j.kill();
    },
    add(plan) {
      // added back while the run of its removal still goes: the same Job, so `overlap` sees that run
      const back = retiring.get(plan.name);
      retiring.delete(plan.name);
      back?.revive(plan);
      const job = back ?? new Job(plan, runner);
      jobs.set(plan.name, job);
      scheduler.add(plan.name, timingOf(plan));
      if (started) scheduled(job);
    },
    async remove(name) {
      const job = jobs.get(name);
      if (!job) return;
      jobs.delete(name);
      scheduler.remove(name);
      const going = job.running;
      runner.log.info('job.removed', { job: name, running: going }, going.length ? `job ${name} removed from the schedule; its run going now (pid ${going.join(', ')}) is let finish` : `job ${name} removed from the schedule`);
      if (going.length === 0) return;
      retiring.set(name, job);
      await job.retire();
      if (retiring.get(name) === job) retiring.delete(name);
    },
    change(plan) {
      const job = jobs.get(plan.name);
      if (!job) return this.add(plan);
      job.adopt(plan);
      scheduler.add(plan.name, timingOf(plan));
      if (started) scheduled(job);
    },
  };

  function scheduled(j: Job): void {
    const next = scheduler.nextRun(j.name);
    runner.log.info('job.scheduled', { job: j.name, schedule: j.plan.scheduleText, timezone: j.plan.timezone, nextRun: next === undefined ? undefined : isoTime(next) }, `job ${j.name} (${j.plan.scheduleText}) first runs at ${next === undefined ? 'no time' : isoTime(next)}`);
  }
}
