// One job's runs: started by its schedule or `berth ctl start`, each in its own process
// group, with `overlap` deciding what a run still going means, `timeout` ending a run
// with 124, and never an effect on the container: a failing run is logged, that is all.
import type { JobPlan } from '../types.js';
import type { Child } from '../process/child.js';
import { exitStatus, type ExitInfo } from '../process/exit.js';
import type { Runner } from '../process/runner.js';
import { EXIT } from '../errors.js';
import { isoTime } from '../output/iso-time.js';

/** after SIGTERM (timeout, replace), this long before SIGKILL */
export const JOB_KILL_GRACE_MS = 5_000;

export type Trigger = { by: 'schedule'; dueAt: number; lateMs: number } | { by: 'ctl' };

export interface LastRun {
  startedAt: number;
  durationMs: number;
  status: number;
  timedOut: boolean;
}

interface Run {
  child: Child;
  startedAt: number;
  /** resolves once it exited and its last line is out */
  done: Promise<void>;
  /** SIGTERM now, SIGKILL after graceMs; resolves when it has exited */
  end(graceMs: number): Promise<void>;
}

export type TriggerResult = 'started' | 'skipped' | 'replaced' | 'closed';

export class Job {
  last: LastRun | undefined;
  private runs = new Set<Run>();
  private closed = false;

  constructor(
    private current: JobPlan,
    private readonly runner: Runner,
  ) {}

  /** the plan its next run starts with (a run going keeps the one it started with) */
  get plan(): JobPlan {
    return this.current;
  }

  /**
   * A reload changed the job: the next run starts with this plan. A run going now goes on
   * with its own command and timeout; the next one meets it as the new `overlap` says.
   */
  adopt(plan: JobPlan): void {
    this.current = plan;
  }

  /** a reload removed the job: no new run; one going now ends on its own (or its timeout). Resolves once none runs. */
  retire(): Promise<void> {
    this.closed = true;
    return Promise.all([...this.runs].map((r) => r.done)).then(() => undefined);
  }

  /** a reload added back a job it removed before its last run ended */
  revive(plan: JobPlan): void {
    this.current = plan;
    this.closed = false;
  }

  get name(): string {
    return this.plan.name;
  }

  /** pids of the runs going now */
  get running(): number[] {
    return [...this.runs].map((r) => r.child.pid);
  }

  /** what `overlap` says to do now; the run itself starts at once or, for replace, once the old one ended */
  trigger(t: Trigger): TriggerResult {
    const { plan, runner } = this;
    if (this.closed) return 'closed';
    const due = t.by === 'schedule' ? { dueAt: isoTime(t.dueAt), lateMs: t.lateMs } : {};
    if (this.runs.size > 0 && plan.overlap === 'skip') {
      runner.log.warn('job.skipped', { job: plan.name, pids: this.running, trigger: t.by, ...due }, `job ${plan.name} is still running (pid ${this.running.join(', ')}); this run is skipped (overlap: skip)`);
      return 'skipped';
    }
    if (this.runs.size > 0 && plan.overlap === 'replace') {
      const old = [...this.runs];
      runner.log.warn('job.replaced', { job: plan.name, pids: this.running, trigger: t.by, ...due }, `job ${plan.name} is still running (pid ${this.running.join(', ')}); stopping it for the new run (overlap: replace)`);
      void Promise.all(old.map((r) => r.end(JOB_KILL_GRACE_MS))).then(() => this.closed || this.startRun(t));
      return 'replaced';
    }
    this.startRun(t);
    return 'started';
  }

  private startRun(t: Trigger): void {
    const { plan, runner } = this;
    const startedAt = Date.now();
    const due = t.by === 'schedule' ? { dueAt: isoTime(t.dueAt), lateMs: t.lateMs } : {};
    const child = runner.spawn(plan);
    if ('spawnError' in child) return this.report(plan, { code: undefined, signal: undefined, spawnError: child.spawnError }, undefined, startedAt, false);
    runner.log.info('job.start', { job: plan.name, pid: child.pid, cwd: plan.cwd, argv: plan.argv, trigger: t.by, ...due }, `job ${plan.name} started in ${plan.cwd}: ${plan.argv.join(' ')}`);
    const relayed = runner.relayOutput(plan.name, child);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    let killAt = Infinity;
    const sigterm = (graceMs: number): void => {
      child.signalGroup('SIGTERM');
      child.signalGroup('SIGCONT'); // a stopped run could not act on it
      if (Date.now() + graceMs >= killAt) return; // an earlier SIGKILL is already set
      killAt = Date.now() + graceMs;
      clearTimeout(killTimer);
      killTimer = setTimeout(() => child.signalGroup('SIGKILL'), graceMs);
    };
    const timeout = plan.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          runner.log.warn('job.timeout', { job: plan.name, pid: child.pid, timeoutMs: plan.timeoutMs }, `job ${plan.name} ran longer than ${plan.timeoutMs} ms; sending SIGTERM`);
          sigterm(JOB_KILL_GRACE_MS);
        }, plan.timeoutMs)
      : undefined;
    const done = child.exited.then(async (info) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      child.signalGroup('SIGKILL'); // what it left in its group would hold its pipes open
      await relayed;
      this.runs.delete(run);
      this.report(plan, info, child, startedAt, timedOut);
    });
    const run: Run = {
      child,
      startedAt,
      done,
      end: (graceMs) => {
        sigterm(graceMs);
        return done;
      },
    };
    this.runs.add(run);
  }

  private report(plan: JobPlan, info: ExitInfo, child: Child | undefined, startedAt: number, timedOut: boolean): void {
    const { runner } = this;
    const durationMs = Date.now() - startedAt;
    const status = timedOut ? EXIT.TIMEOUT : exitStatus(info);
    this.last = { startedAt, durationMs, status, timedOut };
    const how = timedOut
      ? `timed out after ${plan.timeoutMs} ms`
      : info.spawnError
        ? `could not start ${plan.argv[0]}: ${info.spawnError}`
        : info.signal
          ? `was killed by ${info.signal}`
          : `exited with code ${info.code}`;
    const fields = { job: plan.name, pid: child?.pid, status, code: info.code, signal: info.signal, durationMs, timedOut };
    if (status === 0) runner.log.info('job.exit', fields, `job ${plan.name} done in ${durationMs} ms`);
    else runner.log.error('job.exit', fields, `job ${plan.name} failed: ${how} (status ${status}); it runs again at its next time`);
  }

  /** shutdown: no new run; each run gets SIGTERM, and SIGKILL at the deadline */
  async stop(deadline: number): Promise<void> {
    this.closed = true;
    const runs = [...this.runs];
    if (runs.length === 0) return;
    this.runner.log.info('job.stop', { job: this.name, pids: this.running, signal: 'SIGTERM' }, `stopping job ${this.name} with SIGTERM`);
    await Promise.all(runs.map((r) => r.end(Math.max(0, deadline - Date.now()))));
  }

  /** the second signal: no grace */
  kill(): void {
    this.closed = true;
    for (const r of this.runs) r.child.signalGroup('SIGKILL');
  }
}
