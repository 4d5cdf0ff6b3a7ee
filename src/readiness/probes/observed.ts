// What the last failed attempt of a probe saw, for the ready.timeout report. Keyed by the
// plan's probe object, so diagnose can read it without the caller carrying it along.
import type { Probe } from '../../types.js';

const last = new WeakMap<Probe, string>();

export function recordObservation(probe: Probe, what: string): void {
  last.set(probe, what);
}

export function lastObservation(probe: Probe): string | undefined {
  return last.get(probe);
}

export function forgetObservation(probe: Probe): void {
  last.delete(probe);
}
