// A clock for the scheduler's tests: wall and monotonic time move only when told, and
// the wall clock can jump on its own (NTP, a suspended machine).
import type { Clock } from '../../src/jobs/clock.js';

export class FakeClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  constructor(
    private wall: number,
    private monoMs = 1_000_000,
  ) {}

  now = (): number => this.wall;
  mono = (): number => this.monoMs;
  setTimer = (fn: () => void, ms: number): (() => void) => {
    const id = ++this.ids;
    this.timers.push({ at: this.monoMs + ms, fn, id });
    return () => (this.timers = this.timers.filter((t) => t.id !== id));
  };

  /** both clocks move on by ms, firing each timer at its time, in order */
  advance(ms: number): void {
    const end = this.monoMs + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      const step = Math.max(0, next.at - this.monoMs); // a timer overdue (stall) fires now
      this.wall += step;
      this.monoMs += step;
      this.timers = this.timers.filter((t) => t !== next);
      next.fn();
    }
    this.wall += end - this.monoMs;
    this.monoMs = end;
  }

  /** the wall clock alone jumps (NTP step, or time spent suspended, which monotonic time skips) */
  jumpWall(ms: number): void {
    this.wall += ms;
  }

  /** both clocks move on and no timer fires: an event loop blocked for ms */
  stall(ms: number): void {
    this.wall += ms;
    this.monoMs += ms;
  }

  get pending(): number {
    return this.timers.length;
  }
}
