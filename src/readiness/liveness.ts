// CONTRACT §9: a ready service checked every interval. One check in flight at most; a check
// past its timeout failed (and was cut short); `failures` in a row make the service unhealthy.
import type { LivenessPlan, Probe } from '../types.js';
import { makeCheck, type CheckContext } from './checks.js';
import { monoMs } from '../os/mono.js';

export interface LivenessHooks {
  /** a failed check, not yet the last one allowed (logged at debug) */
  onFailure(why: string, inARow: number): void;
  /** the failures-th in a row: the watch has ended */
  onUnhealthy(why: string, inARow: number): void;
  /** a check passed after failures */
  onHealthy(afterFailures: number): void;
  /** any check passed (logged at trace) */
  onPass?(): void;
}

export interface LivenessOptions extends CheckContext {
  /** replaced by tests */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

/** Starts checking at once + interval; returns the function that stops it (and any check in flight). */
export function watchLiveness(plan: LivenessPlan & { probe: Probe }, opts: LivenessOptions, hooks: LivenessHooks): () => void {
  const check = makeCheck(plan.probe, opts);
  const setTimer = opts.setTimer ?? ((fn, ms) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  });
  let stopped = false;
  let inARow = 0;
  let timer: { cancel(): void } | undefined;
  let inFlight: AbortController | undefined;

  const next = (afterMs: number) => {
    if (!stopped) timer = setTimer(() => void once(), afterMs);
  };
  const once = async () => {
    const began = monoMs();
    const abort = new AbortController();
    inFlight = abort;
    const deadline = setTimeout(() => abort.abort('timeout'), plan.timeoutMs);
    let result;
    try {
      result = await check.run(plan.timeoutMs, abort.signal);
    } catch (e) {
      result = { ok: false as const, why: `the check failed: ${(e as Error).message}` };
    } finally {
      clearTimeout(deadline);
      inFlight = undefined;
    }
    if (stopped) return;
    if (result.ok) {
      hooks.onPass?.();
      if (inARow > 0) hooks.onHealthy(inARow);
      inARow = 0;
    } else {
      const late = abort.signal.aborted && !/within \d+ms/.test(result.why);
      const why = late ? `${result.why.replace(/: ABORTED$/, '')}: no answer within ${plan.timeoutMs}ms` : result.why;
      inARow++;
      if (inARow >= plan.failures) {
        stop();
        return hooks.onUnhealthy(why, inARow);
      }
      hooks.onFailure(why, inARow);
    }
    // every interval from the start of the last check; a slow check delays the next, never overlaps it
    next(Math.max(0, plan.intervalMs - (monoMs() - began)));
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    timer?.cancel();
    inFlight?.abort('stopped');
    check.close();
  };
  next(plan.intervalMs);
  return stop;
}
