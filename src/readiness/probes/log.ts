// { log: REGEX } — ready when a line of the service's output matches; driven by the lines
// themselves, no polling.
import type { Probe } from '../../types.js';
import type { ProbeContext } from './context.js';

// colour codes are not what a person sees, so a regex written from the screen must still match
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export function waitLog(probe: Extract<Probe, { kind: 'log' }>, ctx: ProbeContext): Promise<void> {
  const re = compileLogRegex(probe.regex);
  const { signal } = ctx;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      unsubscribe?.();
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = () => finish(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    unsubscribe = ctx.subscribeLines((line) => {
      if (re.test(line) || re.test(line.replace(ANSI, ''))) finish();
    });
    if (settled) unsubscribe(); // a line delivered during subscribe already matched
  });
}

/** The config validates the regex; should one still be invalid, match it as plain text. */
export function compileLogRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return new RegExp(source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}
