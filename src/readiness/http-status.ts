// A liveness check's GET over plain http: one request on a raw socket, the status line read,
// the connection closed. Node's http client costs ~2 ms of CPU a request; this a fraction,
// which matters at 20 services checked every second. https goes through node:https (getStatus).
import { connect } from 'node:net';
import { settleOnce } from './probes/connect.js';

const MAX_HEAD = 8 * 1024; // the status line is in the first packet; anything longer is not an answer

export function plainHttpStatus(url: URL, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number } | { code: string }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  const path = `${url.pathname || '/'}${url.search}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port, autoSelectFamily: true });
    const finish = settleOnce<{ status: number } | { code: string }>(socket, timeoutMs, signal, (code) => ({ code }), resolve);
    let head = '';
    socket.setEncoding('latin1');
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: berth-liveness\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d: string) => {
      head += d;
      const eol = head.indexOf('\r\n');
      if (eol < 0) return head.length > MAX_HEAD ? finish({ code: 'EPROTO' }) : undefined;
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head.slice(0, eol));
      finish(m ? { status: Number(m[1]) } : { code: 'EPROTO' });
    });
    socket.once('end', () => finish({ code: 'ECONNRESET' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ code: e.code ?? e.message }));
  });
}
