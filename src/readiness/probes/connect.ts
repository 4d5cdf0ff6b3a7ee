// One connection attempt, closed as soon as it is made: "does anybody accept here?"
import { connect, type NetConnectOpts, type Socket } from 'node:net';

export type ConnectResult = { ok: true } | { ok: false; code: string };

/**
 * The end of one attempt on a socket: the first of its result, the deadline or an abort.
 * Returns `finish`; the socket is destroyed and every timer and listener removed.
 */
export function settleOnce<R>(socket: Socket, timeoutMs: number, signal: AbortSignal | undefined, failed: (code: string) => R, resolve: (r: R) => void): (r: R) => void {
  const finish = (r: R) => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    resolve(r);
  };
  const onAbort = () => finish(failed('ABORTED'));
  const timer = setTimeout(() => finish(failed('ETIMEDOUT')), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}

export function connectOnce(to: NetConnectOpts, timeoutMs: number, signal?: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = connect(to);
    const finish = settleOnce<ConnectResult>(socket, timeoutMs, signal, (code) => ({ ok: false, code }), resolve);
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, code: e.code ?? e.message }));
  });
}

/** What a failed connect means for the retry loop. */
export function connectOutcome(code: string): 'absent' | 'refused' | 'busy' {
  if (code === 'ENOENT') return 'absent'; // no socket file
  if (code === 'ECONNREFUSED') return 'refused'; // nobody listening: the kernel answered
  return 'busy'; // timeout, EAGAIN (backlog full), EACCES, unreachable: back off
}
