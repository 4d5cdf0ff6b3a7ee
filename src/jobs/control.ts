// What `berth ctl` sees of the jobs: each one's last run, its status and its next time,
// and `berth ctl start JOB`, which runs it now as its `overlap` allows.
import type { ActionResult, JobStatus } from '../control/target.js';
import type { Jobs } from './index.js';

export interface JobsControl {
  names(): string[];
  status(): JobStatus[];
  start(name: string): Promise<ActionResult>;
}

export function jobsControl(jobs: Jobs): JobsControl {
  return {
    names: () => jobs.status().map((j) => j.name),
    status: () =>
      jobs.status().map((j) => ({
        name: j.name,
        schedule: j.schedule,
        timezone: j.timezone,
        overlap: j.overlap,
        running: j.running,
        lastRun: j.lastRun ?? null,
        nextRun: j.nextRun ?? null,
      })),
    async start(name) {
      const before = new Set(jobs.status().find((j) => j.name === name)?.running);
      const result = jobs.runNow(name);
      const running = jobs.status().find((j) => j.name === name)?.running ?? [];
      switch (result) {
        case 'started': {
          const pid = running.find((p) => !before.has(p));
          return { ok: true, message: pid === undefined ? `job ${name} ran now` : `job ${name} started now (pid ${pid})`, pid };
        }
        case 'replaced':
          return { ok: true, message: `job ${name}: the run still going (pid ${[...before].join(', ')}) is stopped, then a new one starts (overlap: replace)` };
        case 'skipped':
          return { ok: false, code: 'failed', message: `job ${name} is still running (pid ${[...before].join(', ')}) and its overlap is skip: not started again` };
        default:
          return { ok: false, code: 'shutting-down', message: `job ${name} was not started: berth is shutting down` };
      }
    },
  };
}
