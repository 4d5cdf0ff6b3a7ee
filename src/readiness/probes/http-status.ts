// One GET over plain http, for a ready probe and a liveness check alike: one request on a raw
// socket, the status line read, the connection closed. Node's http client costs ~2 ms of CPU a
// request (this a fraction, which matters at 20 services checked every second) and 0.9 MiB of
// an idle berth's memory for good once loaded. https goes through node:https (getStatus).
import { connect } from 'node:net';
import { settleOnce } from './connect.js';

/** the status line is in the first packet; interim answers (103 Early Hints) before it included, anything longer is not an answer */
const MAX_HEAD = 8 * 1024;

export type HttpOutcome = { status: number } | { code: string };

export function plainHttpStatus(url: URL, timeoutMs: number, signal: AbortSignal | undefined, userAgent: string): Promise<HttpOutcome> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  const request = [`GET ${url.pathname || '/'}${url.search} HTTP/1.1`, `Host: ${url.host}`, `User-Agent: ${userAgent}`, ...basicAuth(url), 'Connection: close', '', ''].join('\r\n');
  return new Promise((resolve) => {
    const socket = connect({ host, port, autoSelectFamily: true });
    const finish = settleOnce<HttpOutcome>(socket, timeoutMs, signal, (code) => ({ code }), resolve);
    let head = '';
    let read = 0;
    socket.setEncoding('latin1');
    socket.once('connect', () => socket.write(request));
    socket.on('data', (d: string) => {
      head += d;
      read += d.length;
      const r = finalStatus(head);
      if (typeof r === 'object') return finish(r);
      head = head.slice(r); // the interim answers read so far
      if (read > MAX_HEAD) finish({ code: 'EPROTO' });
    });
    socket.once('end', () => finish({ code: 'ECONNRESET' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ code: e.code ?? e.message }));
  });
}

/**
 * The final answer's status, or how much of `head` interim answers (1xx but 101) took: those
 * precede the real one, as Node's client skips them. EPROTO for anything that is not HTTP.
 */
export function finalStatus(head: string): HttpOutcome | number {
  let at = 0;
  for (;;) {
    const eol = head.indexOf('\r\n', at);
    if (eol < 0) return at;
    const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/.exec(head.slice(at, eol));
    if (!m) return { code: 'EPROTO' };
    const status = Number(m[1]);
    if (status >= 200 || status < 100 || status === 101) return { status };
    const end = head.indexOf('\r\n\r\n', at);
    if (end < 0) return at;
    at = end + 4;
  }
}

/** user:password in the URL, sent as Node's client sends it */
function basicAuth(url: URL): string[] {
  if (url.username === '' && url.password === '') return [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return [`Authorization: Basic ${Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString('base64')}`];
}
