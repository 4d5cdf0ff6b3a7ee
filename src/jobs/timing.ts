// When a job is due: cron schedules on the wall clock, in the job's time zone (croner);
// `@every` on the monotonic clock, so a changed wall clock never moves it.
import type { JobPlan } from '../types.js';
import { cron } from '../config/schedule.js';

export type Timing = { kind: 'wall'; after(wallMs: number): number | undefined } | { kind: 'every'; everyMs: number };

export function timingOf(job: Pick<JobPlan, 'schedule' | 'timezone'>): Timing {
  if (job.schedule.kind === 'every') return { kind: 'every', everyMs: job.schedule.everyMs };
  const { expr } = job.schedule;
  // made for each question, never kept: a croner Cron holds a 10,000-entry year table (80 KB)
  return { kind: 'wall', after: (wallMs) => cron(expr, job.timezone).nextRun(new Date(wallMs))?.getTime() };
}
