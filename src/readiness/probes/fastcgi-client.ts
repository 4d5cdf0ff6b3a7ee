// Just enough FastCGI (spec 1.0) to ask php-fpm for its ping page: one GET, no keep-alive.
import { connect } from 'node:net';
import { settleOnce } from './connect.js';

export type FcgiAddress = { path: string } | { host: string; port: number };
export type FcgiResult = { ok: true; status: number; body: string; stderr: string } | { ok: false; code: string };

const VERSION = 1;
const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const STDERR = 7;
const RESPONDER = 1;
const MAX_RESPONSE = 1 << 20; // a ping page is a few bytes; anything this big is not one

/** unix:/path, /path, host:port, [v6]:port or a bare port (php-fpm's `listen = 9000`). */
export function parseFcgiAddress(addr: string, cwd = '/'): FcgiAddress | undefined {
  if (addr.startsWith('unix:')) return { path: resolvePath(addr.slice(5), cwd) };
  if (addr.startsWith('/') || addr.startsWith('.')) return { path: resolvePath(addr, cwd) };
  if (/^\d+$/.test(addr)) return { host: '127.0.0.1', port: Number(addr) };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
  return m ? { host: m[1] ?? m[2]!, port: Number(m[3]) } : undefined;
}

export function fastcgiGet(to: FcgiAddress, path: string, timeoutMs: number, signal?: AbortSignal): Promise<FcgiResult> {
  return new Promise((resolve) => {
    const socket = connect(to);
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = settleOnce<FcgiResult>(socket, timeoutMs, signal, (code) => ({ ok: false, code }), resolve);
    socket.once('connect', () => socket.write(request(path)));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size > MAX_RESPONSE) return finish({ ok: false, code: 'ETOOBIG' });
      const parsed = parseRecords(Buffer.concat(chunks));
      if (parsed.ended) finish(response(parsed.stdout, parsed.stderr));
    });
    socket.once('end', () => {
      const parsed = parseRecords(Buffer.concat(chunks));
      finish(parsed.stdout.length ? response(parsed.stdout, parsed.stderr) : { ok: false, code: 'ECONNRESET' });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, code: e.code ?? e.message }));
  });
}

function request(path: string): Buffer {
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(RESPONDER, 0); // flags 0: the server closes the connection after answering
  const params = Buffer.concat(
    Object.entries({
      SCRIPT_NAME: path,
      SCRIPT_FILENAME: path,
      REQUEST_URI: path,
      REQUEST_METHOD: 'GET',
      QUERY_STRING: '',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
    }).map(([k, v]) => nameValue(k, v)),
  );
  return Buffer.concat([record(BEGIN_REQUEST, begin), record(PARAMS, params), record(PARAMS), record(STDIN)]);
}

function record(type: number, content: Buffer = Buffer.alloc(0)): Buffer {
  const padding = (8 - (content.length % 8)) % 8;
  const header = Buffer.from([VERSION, type, 0, 1, content.length >> 8, content.length & 0xff, padding, 0]); // request id 1
  return Buffer.concat([header, content, Buffer.alloc(padding)]);
}

function nameValue(name: string, value: string): Buffer {
  const [n, v] = [Buffer.from(name), Buffer.from(value)];
  return Buffer.concat([length(n.length), length(v.length), n, v]);
}

function length(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

function parseRecords(buf: Buffer): { stdout: Buffer; stderr: Buffer; ended: boolean } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let ended = false;
  for (let at = 0; at + 8 <= buf.length; ) {
    const type = buf[at + 1]!;
    const len = buf.readUInt16BE(at + 4);
    const end = at + 8 + len + buf[at + 6]!;
    if (end > buf.length) break; // the rest has not arrived yet
    const content = buf.subarray(at + 8, at + 8 + len);
    if (type === STDOUT) out.push(content);
    else if (type === STDERR) err.push(content);
    else if (type === END_REQUEST) ended = true;
    at = end;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), ended };
}

function response(stdout: Buffer, stderr: Buffer): FcgiResult {
  const text = stdout.toString('utf8');
  const sep = /\r?\n\r?\n/.exec(text);
  const head = sep ? text.slice(0, sep.index) : '';
  const status = Number(/^Status:\s*(\d{3})/im.exec(head)?.[1] ?? 200);
  return { ok: true, status, body: sep ? text.slice(sep.index + sep[0].length) : text, stderr: stderr.toString('utf8') };
}

function resolvePath(p: string, cwd: string): string {
  return p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p.replace(/^\.\//, '')}`;
}
