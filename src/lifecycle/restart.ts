// Restart policy: pure, so it is tested with a clock instead of waiting.
import { EXIT } from '../errors.js';
import type { RestartPolicy } from '../types.js';

export const RESTART_WINDOW_MS = 60_000;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

export interface RunEnd {
  policy: RestartPolicy;
  status: number;
  maxRestarts: number | 'unlimited';
  minUptimeMs: number;
  /** how long the run that just ended lasted */
  ranMs: number;
  /** times of earlier counted restarts */
  history: readonly number[];
  now: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number; counted: boolean }
  | { restart: false; reason: 'policy' | 'gave-up' };

/**
 * After an exit: restart or not, and after how long. A run of at least minUptime was a
 * success (a queue worker that exits after N jobs): restarted at once, not counted, and
 * the backoff starts over. Otherwise the delay doubles with each counted restart still
 * inside the window, and past maxRestarts of them berth gives up.
 */
export function decideRestart(run: RunEnd): RestartDecision {
  const { policy, status, maxRestarts } = run;
  if (policy === 'never' || (policy === 'on-failure' && status === 0)) return { restart: false, reason: 'policy' };
  if (run.ranMs >= run.minUptimeMs) return { restart: true, delayMs: 0, attempt: 1, counted: false };
  const recent = run.history.filter((t) => run.now - t < RESTART_WINDOW_MS);
  if (maxRestarts !== 'unlimited' && recent.length >= maxRestarts) return { restart: false, reason: 'gave-up' };
  const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(recent.length, 15));
  return { restart: true, delayMs, attempt: recent.length + 1, counted: true };
}

/** The restarts that still count: those inside the window, or none after a good run. */
export function keepHistory(history: readonly number[], decision: RestartDecision, now: number): number[] {
  if (decision.restart && !decision.counted) return [];
  const recent = history.filter((t) => now - t < RESTART_WINDOW_MS);
  return decision.restart ? [...recent, now] : recent;
}

/** Giving up never exits 0 (CONTRACT §4): the last non-zero status of its runs, or 75. */
export function gaveUpStatus(lastFailure: number | undefined): number {
  return lastFailure ?? EXIT.GAVE_UP;
}
