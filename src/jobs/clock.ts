// The scheduler's view of time, replaced by a fake one in tests: the wall clock (which
// suspend and NTP move) and a monotonic one (which they do not), and a timer.
import { monoMs } from '../os/mono.js';

export interface Clock {
  /** wall time, ms since the epoch */
  now(): number;
  /** monotonic ms: never goes back, does not jump */
  mono(): number;
  /** calls fn once after ms of monotonic time; returns what cancels it */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: monoMs,
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
