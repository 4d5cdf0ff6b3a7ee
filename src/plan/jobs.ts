// Jobs: scheduled commands, each a task's process plus its schedule (CONTRACT §11).
import type { JobPlan } from '../types.js';
import { isTimeZone } from '../config/schedule.js';
import { formatDuration } from '../config/duration.js';
import { processPlan, toArgv, type PlanContext } from './process.js';

/**
 * The time zone a job's schedule is read in: its own, else $TZ when this Node knows it
 * (TZ=:/etc/localtime or a POSIX rule is not a zone name), else UTC.
 */
export function jobTimeZone(written: string | undefined, env: Record<string, string | undefined>): string {
  if (written !== undefined) return written;
  const tz = env.TZ?.trim();
  return tz && isTimeZone(tz) ? tz : 'UTC';
}

export function planJobs(ctx: PlanContext): JobPlan[] | undefined {
  const jobs = ctx.loaded?.config.jobs;
  if (jobs === undefined) return undefined;
  return Object.entries(jobs).map(([name, j]) => {
    const shell = j.shell === true;
    const base = processPlan(ctx, { name, argv: toArgv(j.command, shell), shell, cwd: j.cwd, env: j.env, user: j.user, requires: j.requires, keyPath: ['jobs', name] });
    const plan: JobPlan = {
      ...base,
      schedule: j.schedule,
      scheduleText: j.schedule.kind === 'every' ? `@every ${formatDuration(j.schedule.everyMs)}` : j.schedule.expr,
      timezone: jobTimeZone(j.timezone, ctx.env),
      overlap: j.overlap ?? 'skip',
    };
    if (j.timeout !== undefined && j.timeout > 0) plan.timeoutMs = j.timeout;
    return plan;
  });
}
