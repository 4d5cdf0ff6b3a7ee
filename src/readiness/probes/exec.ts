// { exec: [argv] } — ready when the command exits 0, run in the service's cwd and env.
import { captureCommand, type Captured } from '../../process/capture.js';
import type { Probe } from '../../types.js';
import type { ProbeContext } from './context.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';

const ATTEMPT_TIMEOUT_MS = 5000;

export function waitExec(probe: Extract<Probe, { kind: 'exec' }>, ctx: ProbeContext): Promise<void> {
  return retryUntilReady(async () => {
    const began = Date.now();
    const r = await captureCommand(probe.argv, { cwd: ctx.cwd, env: ctx.env, timeoutMs: ATTEMPT_TIMEOUT_MS, signal: ctx.signal });
    if (r.exitCode === 0) return 'ready';
    if (ctx.signal.aborted) return 'busy'; // we killed it: nothing learnt
    recordObservation(probe, describeRun(probe.argv, r, Date.now() - began >= ATTEMPT_TIMEOUT_MS));
    return 'busy';
  }, { signal: ctx.signal });
}

function describeRun(argv: string[], r: Captured, timedOut: boolean): string {
  const cmd = argv.join(' ');
  if (r.spawnError) return `\`${cmd}\` could not start: ${r.spawnError}`;
  const last = (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1)?.slice(0, 200);
  const how = timedOut ? `did not finish within ${ATTEMPT_TIMEOUT_MS / 1000}s` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
  return `\`${cmd}\` ${how}${last ? `: ${last}` : ''}`;
}
