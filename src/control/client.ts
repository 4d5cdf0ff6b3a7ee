// The client side of the control socket: one request, its replies, bounded in time.
// Used by `berth ctl` (a starting berth asks answering.ts whether another one answers).
import { connect } from 'node:net';
import { PROTOCOL_VERSION, type ErrorReply, type Reply } from './protocol.js';

export type AnyReply = Reply | ErrorReply;

export interface CallOptions {
  /** for the connection and each reply; 0 waits for ever (a restart waits for readiness) */
  timeoutMs: number;
  /** each reply; return true to keep the connection for more (logs --follow) */
  onReply?(reply: AnyReply): boolean;
}

export class ConnectError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one request; resolves with the last reply. Rejects with ConnectError when nothing answers. */
export function callControl(path: string, request: Record<string, unknown>, opts: CallOptions): Promise<AnyReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    let buffer = '';
    let last: AnyReply | undefined;
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      if (opts.timeoutMs > 0) timer = setTimeout(() => fail('ETIMEDOUT', connected ? `berth at ${path} accepted the connection but did not answer within ${opts.timeoutMs} ms` : `no answer from ${path} within ${opts.timeoutMs} ms`), opts.timeoutMs);
    };
    const done = (r: AnyReply) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const fail = (code: string, message: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectError(path, code, message));
    };
    arm();
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ v: PROTOCOL_VERSION, ...request })}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let reply: AnyReply;
        try {
          reply = JSON.parse(text) as AnyReply;
        } catch {
          return fail('EPROTO', `${path} answered something that is not berth's protocol: ${text.slice(0, 80)}`);
        }
        last = reply;
        if (!(opts.onReply?.(reply) ?? false)) return done(reply);
        arm();
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'EIO', describeConnectError(path, e)));
    socket.on('close', () => {
      if (last) return done(last);
      fail('ECONNRESET', `berth at ${path} closed the connection without an answer`);
    });
  });
}

function describeConnectError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `no berth answers at ${path}: there is no socket there (is berth running in this container, with this control path?)`;
    case 'ECONNREFUSED':
      return `no berth answers at ${path}: the socket is left from a berth that is gone`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to connect to ${path} (${e.code}): only root and the user berth runs as may control it`;
    case 'ENOTSOCK':
      return `${path} is not a socket`;
    default:
      return `cannot connect to ${path}: ${e.message}`;
  }
}
