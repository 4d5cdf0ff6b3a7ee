// tcp:PORT — ready when a listening socket on the port belongs to the service's own process
// tree (read from /proc, no connection made); a connect only for another host or without /proc.
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Probe } from '../../types.js';
import { procAvailable } from '../../os/proc.js';
import { connectOnce, connectOutcome } from './connect.js';
import type { ProbeContext } from './context.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';
import { treeListenCheck } from './tcp-owner.js';

const CONNECT_TIMEOUT_MS = 1000;
const ANY = new Set(['', 'localhost', '0.0.0.0', '::']);

export function waitTcp(probe: Extract<Probe, { kind: 'tcp' }>, ctx: ProbeContext): Promise<void> {
  const host = probe.host?.replace(/^\[(.*)\]$/, '$1');
  if (!isLocalHost(host) || !procAvailable()) {
    return retryUntilReady(async () => {
      const r = await connectOnce({ host: host ?? 'localhost', port: probe.port, autoSelectFamily: true }, CONNECT_TIMEOUT_MS, ctx.signal);
      if (r.ok) return 'ready';
      if (ctx.signal.aborted) return 'busy';
      recordObservation(probe, `connect to ${host ?? 'localhost'}:${probe.port} failed: ${r.code}`);
      return connectOutcome(r.code);
    }, { signal: ctx.signal });
  }
  return retryUntilReady(treeListenCheck(ctx.pid, probe.port, (l) => addressServes(host, l.address)), { signal: ctx.signal });
}

export function isLocalHost(host: string | undefined): boolean {
  if (host === undefined || ANY.has(host) || host === '::1' || /^127\./.test(host)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === host));
}

/** Would a connection to host reach a socket listening on addr? */
export function addressServes(host: string | undefined, addr: string): boolean {
  if (host === undefined || ANY.has(host)) return true;
  if (addr === host || addr === '::' || addr === `::ffff:${host}`) return true;
  return addr === '0.0.0.0' && isIPv4(host);
}
