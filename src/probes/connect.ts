// One connection attempt, closed as soon as it is made: "does anybody accept here?"
import { connect, type NetConnectOpts } from 'node:net';

export type ConnectResult = { ok: true } | { ok: false; code: string };

export function connectOnce(to: NetConnectOpts, timeoutMs: number, signal?: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = connect(to);
    const finish = (r: ConnectResult) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, code: 'ABORTED' });
    const timer = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT' }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
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
