// Restart policy: pure, so it is tested with a clock instead of waiting.
import type { RestartPolicy } from '../types.js';

export const RESTART_WINDOW_MS = 60_000;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number }
  | { restart: false; reason: 'policy' | 'gave-up' };

/**
 * After an exit: restart or not, and after how long. `history` holds the times of
 * earlier restarts; the delay doubles with each restart still inside the window.
 */
export function decideRestart(
  policy: RestartPolicy,
  status: number,
  maxRestarts: number,
  history: number[],
  now: number,
): RestartDecision {
  if (policy === 'never' || (policy === 'on-failure' && status === 0)) return { restart: false, reason: 'policy' };
  const recent = history.filter((t) => now - t < RESTART_WINDOW_MS);
  if (recent.length >= maxRestarts) return { restart: false, reason: 'gave-up' };
  const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** recent.length);
  return { restart: true, delayMs, attempt: recent.length + 1 };
}
