// http(s)://… — ready when a GET answers 2xx (or the status asked for). One request at a time,
// a short deadline each, and the connection closed as soon as the status line is in.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Probe } from '../../types.js';
import { plainHttpStatus, type HttpOutcome } from './http-status.js';
import { connectOutcome } from './connect.js';
import { shownUrl } from './describe.js';
import type { ProbeContext } from './context.js';
import { recordObservation } from './observed.js';
import { retryUntilReady } from './retry.js';

const ATTEMPT_TIMEOUT_MS = 2000;

export function waitHttp(probe: Extract<Probe, { kind: 'http' }>, ctx: ProbeContext): Promise<void> {
  const url = new URL(probe.url);
  const shown = shownUrl(probe.url); // once, not at every attempt
  return retryUntilReady(async () => {
    const r = await getStatus(url, ATTEMPT_TIMEOUT_MS, ctx.signal, 'berth-ready-probe');
    if ('status' in r && statusMatches(r.status, probe.status)) return 'ready';
    if (ctx.signal.aborted) return 'busy';
    recordObservation(probe, 'status' in r ? `GET ${shown} answered ${r.status}` : `GET ${shown} failed: ${r.code}`);
    return 'status' in r ? 'busy' : connectOutcome(r.code);
  }, { signal: ctx.signal });
}

export function statusMatches(status: number, wanted: number | undefined): boolean {
  return wanted === undefined ? status >= 200 && status < 300 : status === wanted;
}

/** One GET without keep-alive; the body is not read. http on a raw socket, https through node:https. */
export async function getStatus(url: URL, timeoutMs: number, signal: AbortSignal | undefined, userAgent: string): Promise<HttpOutcome> {
  if (url.protocol !== 'https:') return plainHttpStatus(url, timeoutMs, signal, userAgent);
  // loaded on first use: node:https brings TLS, a few ms of every start that has no https probe
  const { get } = await import('node:https');
  return new Promise((resolve) => {
    let req: ClientRequest;
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    const done = (r: HttpOutcome) => {
      clearTimeout(timer);
      resolve(r);
    };
    req = get(url, {
      agent: false, // a fresh connection each time, closed below: no idle socket left in the service
      signal,
      rejectUnauthorized: false, // readiness, not identity: local services often use self-signed certificates
      headers: { 'user-agent': userAgent, connection: 'close' },
    }, (res: IncomingMessage) => {
      res.on('error', () => {}); // destroying mid-body makes the response emit "aborted"
      done({ status: res.statusCode ?? 0 });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ code: e.code ?? e.message }));
  });
}
