// { fastcgi: ADDR, path, expect } — ready when php-fpm answers a real FastCGI request for its
// ping page with the expected text: the pool is up, not just its socket.
import type { Probe } from '../../types.js';
import { connectOutcome } from './connect.js';
import type { ProbeContext } from './context.js';
import { fastcgiGet, parseFcgiAddress } from './fastcgi-client.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';
import { watchNearest } from './watch.js';

const ATTEMPT_TIMEOUT_MS = 2000;

export function waitFastcgi(probe: Extract<Probe, { kind: 'fastcgi' }>, ctx: ProbeContext): Promise<void> {
  const to = parseFcgiAddress(probe.address, ctx.cwd);
  const expect = probe.expect ?? 'pong';
  return retryUntilReady(
    async () => {
      if (!to) {
        recordObservation(probe, `cannot read FastCGI address "${probe.address}" (expected unix:/path, host:port or port)`);
        return 'busy';
      }
      const r = await fastcgiGet(to, probe.path, ATTEMPT_TIMEOUT_MS, ctx.signal);
      if (r.ok && r.body.includes(expect)) return 'ready';
      if (ctx.signal.aborted) return 'busy';
      recordObservation(probe, r.ok
        ? `FastCGI GET ${probe.path} answered ${r.status} without "${expect}": ${JSON.stringify(r.body.slice(0, 120))}`
        : `FastCGI request to ${probe.address} failed: ${r.code}`);
      return r.ok ? 'busy' : connectOutcome(r.code);
    },
    { signal: ctx.signal, wakeOn: to && 'path' in to ? (wake) => watchNearest(to.path, wake) : undefined },
  );
}
