// { exec: [argv] } — ready when the command exits 0, run in the service's cwd and env.
import { captureCommand, type Captured } from '../child.js';
import type { Probe } from '../types.js';
import type { ProbeContext } from './context.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';

const ATTEMPT_TIMEOUT_MS = 5000;

export function waitExec(probe: Extract<Probe, { kind: 'exec' }>, ctx: ProbeContext): Promise<void> {
  return retryUntilReady(async () => {
    const r = await captureCommand(probe.argv, { cwd: ctx.cwd, env: ctx.env, timeoutMs: ATTEMPT_TIMEOUT_MS, signal: ctx.signal });
    if (r.exitCode === 0) return 'ready';
    recordObservation(probe, describeRun(probe.argv, r));
    return 'busy';
  }, { signal: ctx.signal });
}

function describeRun(argv: string[], r: Captured): string {
  const cmd = argv.join(' ');
  if (r.spawnError) return `\`${cmd}\` could not start: ${r.spawnError}`;
  const last = (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1)?.slice(0, 200);
  const how = r.signal ? `was killed by ${r.signal} (${ATTEMPT_TIMEOUT_MS / 1000}s per attempt)` : `exited with ${r.exitCode}`;
  return `\`${cmd}\` ${how}${last ? `: ${last}` : ''}`;
}
