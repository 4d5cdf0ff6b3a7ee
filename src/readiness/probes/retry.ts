// One loop for every polled probe: one attempt in flight, a wait chosen by what the
// attempt saw, and an early wake-up when the kernel tells us something changed.
import { monoMs } from '../../os/mono.js';

/**
 * - absent: nothing there yet (no file, no socket): wait for an event, poll as a safety net
 * - refused: the kernel refused (nobody listening): costs the service nothing, retry soon
 * - busy: the service itself answered "not yet": each attempt costs it work, so wait longer
 * - poll: we read /proc: wait in proportion to what the read cost
 */
export type Outcome = 'ready' | 'absent' | 'refused' | 'busy' | 'poll';

export const SLOW_MS = 25; // CONTRACT §5: never slower than this
const REFUSED_CAP_MS = 5;
const POLL_MIN_MS = 3;
const AFTER_WAKE_MS = 1; // a burst of fs events must not become a burst of connects

export interface RetryOptions {
  signal: AbortSignal;
  /** subscribe to "look again now" hints (fs.watch); returns the remover */
  wakeOn?: (wake: () => void) => () => void;
}

export async function retryUntilReady(attempt: () => Promise<Outcome> | Outcome, opts: RetryOptions): Promise<void> {
  const { signal } = opts;
  let refusals = 0;
  let lastCost = 0;
  let woken = false;
  let onWake: (() => void) | undefined;
  const unwatch = opts.wakeOn?.(() => {
    woken = true;
    onWake?.();
  });
  try {
    for (;;) {
      signal.throwIfAborted();
      woken = false;
      const began = monoMs();
      const outcome = await attempt();
      if (outcome === 'ready') return;
      signal.throwIfAborted();
      refusals = outcome === 'refused' ? refusals + 1 : 0;
      const cost = monoMs() - began;
      // the cheaper of the last two: a one-off costly attempt (the first /proc listing) must not slow the next
      const ms = woken ? AFTER_WAKE_MS : waitFor(outcome, refusals, Math.min(cost, lastCost));
      lastCost = cost;
      await pause(ms, signal, (shorten) => (onWake = shorten));
      onWake = undefined;
    }
  } finally {
    unwatch?.();
  }
}

function waitFor(outcome: Exclude<Outcome, 'ready'>, refusals: number, costMs: number): number {
  switch (outcome) {
    case 'refused':
      return Math.min(REFUSED_CAP_MS, 2 ** (refusals - 1)); // 1, 2, 4, 5, 5 …
    case 'poll':
      return Math.min(SLOW_MS, Math.max(POLL_MIN_MS, costMs * 4)); // spend at most ~20 % of a core on /proc
    default:
      return SLOW_MS;
  }
}

/** Wait ms, or less when woken (then AFTER_WAKE_MS), or until aborted (the caller rethrows). */
function pause(ms: number, signal: AbortSignal, setShorten: (fn: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    let shortened = false;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    setShorten(() => {
      if (shortened || ms <= AFTER_WAKE_MS) return; // once: steady events must not postpone forever
      shortened = true;
      clearTimeout(timer);
      timer = setTimeout(done, AFTER_WAKE_MS);
    });
  });
}
