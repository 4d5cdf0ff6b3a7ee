// When each job runs. One timer for every job, never longer than MAX_SLEEP_MS, so a wall
// clock that jumps (suspend, NTP) is noticed within a second:
// - forward past one or more due times: the job runs once, late, and its next time is
//   reckoned from now: never a burst of the runs it missed;
// - backward: a due time already run is never run again; the job waits for the next one.
// `@every` schedules count monotonic time, which neither jump moves.
// A reload adds and removes jobs while it runs: an added one is reckoned from then, the
// others keep their next time.
import type { Clock } from './clock.js';
import type { Timing } from './timing.js';

export const MAX_SLEEP_MS = 1000;

export interface Due {
  name: string;
  /** the wall time it was due at (for `@every`, the wall time when its interval ended) */
  dueAt: number;
  /** how long after its due time it is run: a jump forward, a busy event loop */
  lateMs: number;
}

interface Entry {
  name: string;
  timing: Timing;
  /** wall ms (cron) or monotonic ms (`@every`); undefined: the schedule has no further time */
  due: number | undefined;
  /** `@every`: the wall time of `due`, fixed when it was scheduled (read at a late tick, it would drift by the delay between two clock reads) */
  dueWall?: number;
}

export class Scheduler {
  private entries: Entry[];
  private cancel: (() => void) | undefined;
  private running = false;

  constructor(
    jobs: { name: string; timing: Timing }[],
    private readonly clock: Clock,
    private readonly onDue: (due: Due) => void,
  ) {
    this.entries = jobs.map((j) => ({ name: j.name, timing: j.timing, due: undefined }));
  }

  /** the first times are reckoned from now: a job first runs at its first time after start() */
  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    const mono = this.clock.mono();
    for (const e of this.entries) this.schedule(e, now, mono);
    this.arm();
  }

  /** a job from now on (a reload): its first time is reckoned from now, as start() does; a job of that name is replaced */
  add(name: string, timing: Timing): void {
    this.entries = this.entries.filter((e) => e.name !== name);
    const e: Entry = { name, timing, due: undefined };
    this.entries.push(e);
    if (!this.running) return;
    this.schedule(e, this.clock.now(), this.clock.mono());
    this.rearm();
  }

  /** the job is no longer scheduled (a reload removed it); the others keep their times */
  remove(name: string): void {
    this.entries = this.entries.filter((e) => e.name !== name);
    if (this.running) this.rearm();
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** the wall time a job runs next, or undefined (stopped, or no further time) */
  nextRun(name: string): number | undefined {
    const e = this.entries.find((x) => x.name === name);
    if (!this.running || e?.due === undefined) return undefined;
    return e.timing.kind === 'every' ? this.clock.now() + Math.max(0, e.due - this.clock.mono()) : e.due;
  }

  /** the entry's first time from now */
  private schedule(e: Entry, now: number, mono: number): void {
    if (e.timing.kind === 'every') {
      e.due = mono + e.timing.everyMs;
      e.dueWall = now + e.timing.everyMs;
    } else e.due = e.timing.after(now);
  }

  private tick(): void {
    this.cancel = undefined;
    if (!this.running) return;
    const now = this.clock.now();
    const mono = this.clock.mono();
    const due: Due[] = [];
    for (const e of this.entries) {
      if (e.due === undefined) continue;
      if (e.timing.kind === 'every') {
        if (mono < e.due) continue;
        due.push({ name: e.name, dueAt: Math.round(e.dueWall ?? now - (mono - e.due)), lateMs: Math.round(mono - e.due) });
        e.due += e.timing.everyMs;
        if (e.dueWall !== undefined) e.dueWall += e.timing.everyMs;
        if (e.due <= mono) this.schedule(e, now, mono); // a blocked loop missed some: no burst
      } else {
        if (now < e.due) continue; // a clock set back waits for the next time, never repeats one
        due.push({ name: e.name, dueAt: e.due, lateMs: now - e.due });
        e.due = e.timing.after(Math.max(now, e.due)); // times missed in a jump forward are dropped
      }
    }
    this.arm();
    for (const d of due) this.onDue(d);
  }

  private rearm(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.arm();
  }

  /** no job: no timer (add() arms one) */
  private arm(): void {
    if (this.entries.length === 0) return;
    const now = this.clock.now();
    const mono = this.clock.mono();
    let wait = MAX_SLEEP_MS;
    for (const e of this.entries) {
      if (e.due === undefined) continue;
      wait = Math.min(wait, e.timing.kind === 'every' ? e.due - mono : e.due - now);
    }
    this.cancel = this.clock.setTimer(() => this.tick(), Math.max(0, wait));
  }
}
