// unix:/path — ready when a connect() succeeds; a socket file alone proves nothing (it may be stale).
import { resolve } from 'node:path';
import type { Probe } from '../../types.js';
import { connectOnce, connectOutcome } from './connect.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';
import type { ProbeContext } from './context.js';
import { watchNearest } from './watch.js';

const CONNECT_TIMEOUT_MS = 1000;

export function waitUnix(probe: Extract<Probe, { kind: 'unix' }>, ctx: ProbeContext): Promise<void> {
  const path = resolve(ctx.cwd, probe.path);
  return retryUntilReady(
    async () => {
      const r = await connectOnce({ path }, CONNECT_TIMEOUT_MS, ctx.signal);
      if (r.ok) return 'ready';
      if (ctx.signal.aborted) return 'busy';
      recordObservation(probe, r.code === 'ECONNREFUSED' ? 'connect() refused: nothing listens on the socket file' : `connect() failed: ${r.code}`);
      return connectOutcome(r.code);
    },
    { signal: ctx.signal, wakeOn: (wake) => watchNearest(path, wake) },
  );
}
