// `waitFor`: external dependencies (a database, an API) before any task, through wait-on,
// loaded only when used. wait-on cannot be cancelled, so it runs in short rounds.
import type { EventLog } from '../types.js';

export type WaitResult = { ok: true } | { ok: false; pending: string[]; aborted?: boolean };

export interface WaitOptions {
  log?: EventLog;
  signal?: AbortSignal;
}

const ROUND_MS = 1000; // an abort leaves at most one round of wait-on polling behind
const PENDING_EVERY_MS = 10_000;
type WaitOn = typeof import('wait-on');

/** berth's forms (tcp://host:port, unix:/path, file:/path, http(s)://…) as wait-on writes them. */
export function toWaitOnResource(resource: string): string | undefined {
  const tcp = /^tcp:(?:\/\/)?(.+?)\/?$/.exec(resource);
  if (tcp) return `tcp:${tcp[1]}`;
  if (/^(unix|socket):/.test(resource)) return `socket:${resource.replace(/^(unix|socket):/, '')}`;
  if (resource.startsWith('file:')) return resource;
  if (/^https?-get:\/\//.test(resource)) return resource;
  if (/^https?:\/\//.test(resource)) return resource.replace(/^(https?):/, '$1-get:'); // GET, as the ready probes do: HEAD is not always served
  return undefined;
}

/** Resolves when every resource is up, or with the ones still down at the deadline (0: none) or on abort. */
export async function waitForResources(resources: string[], timeoutMs: number, opts: WaitOptions = {}): Promise<WaitResult> {
  if (resources.length === 0) return { ok: true };
  const waitOn = (await import('wait-on')).default;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const up = new Set<string>();
  const ticker = setInterval(() => {
    const pending = resources.filter((r) => !up.has(r));
    opts.log?.info('wait.pending', { pending }, `still waiting for ${pending.join(', ')}`);
  }, PENDING_EVERY_MS);
  try {
    await Promise.all(resources.map(async (r) => (await waitOne(waitOn, r, deadline, opts)) && up.add(r)));
  } finally {
    clearInterval(ticker);
  }
  const pending = resources.filter((r) => !up.has(r));
  if (pending.length === 0) return { ok: true };
  return opts.signal?.aborted ? { ok: false, pending, aborted: true } : { ok: false, pending };
}

async function waitOne(waitOn: WaitOn, resource: string, deadline: number, { log, signal }: WaitOptions): Promise<boolean> {
  const target = toWaitOnResource(resource);
  if (!target) {
    log?.error('wait.invalid', { resource }, `cannot wait for "${resource}": expected tcp://host:port, http(s)://…, unix:/path or file:/path`);
    return false;
  }
  const started = Date.now();
  while (!signal?.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const round = waitOn({ resources: [target], timeout: Math.max(1, Math.min(ROUND_MS, left)), interval: 100, window: 100, simultaneous: 1, tcpTimeout: 1000, httpTimeout: 2000 });
    const outcome = await untilAborted(round, signal);
    if (outcome === 'up') {
      log?.debug('wait.resource', { resource, afterMs: Date.now() - started }, `${resource} is available`);
      return true;
    }
    if (outcome instanceof Error && !outcome.message.startsWith('Timed out')) {
      log?.error('wait.invalid', { resource, error: outcome.message }, `cannot wait for "${resource}": ${outcome.message}`);
      return false;
    }
  }
  return false;
}

function untilAborted(round: Promise<void>, signal?: AbortSignal): Promise<'up' | 'aborted' | Error> {
  return new Promise((resolve) => {
    const onAbort = () => resolve('aborted');
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    round.then(
      () => resolve('up'),
      (e: unknown) => resolve(e instanceof Error ? e : new Error(String(e))),
    ).finally(() => signal?.removeEventListener('abort', onAbort));
  });
}
