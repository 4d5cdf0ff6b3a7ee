// `health.listen`: GET /livez and GET /readyz for Kubernetes httpGet probes, and nothing else.
// Small limits everywhere: it must never become the thing that takes the container down.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HealthState {
  ready: boolean;
  /** berth is stopping and keeps running a while first (drain): not ready, on purpose */
  draining?: boolean;
  services: Record<string, { state: string; ready: boolean; reason?: string }>;
}

export interface HealthOptions {
  host: string;
  port: number; // 0 picks a free one
  state: () => HealthState;
  /** slow-loris bounds; the defaults suit kubelet, tests make them shorter */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 8 * 1024;
const MAX_CONNECTIONS = 64;

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const { createServer } = await import('node:http'); // only with health.listen: not on every start
  const headersTimeout = opts.headersTimeoutMs ?? 5000;
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, opts.requestTimeoutMs ?? 10_000),
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: Math.min(1000, headersTimeout), // Node checks the two timeouts only this often
    },
    (req, res) => respond(req, res, opts.state),
  );
  makeRoomForNewcomers(server);
  server.on('clientError', (_e, socket) => socket.destroy()); // bad or slow requests: no answer, no echo
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(`health server cannot listen on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the address is already in use' : e.message}`), { code: e.code })),
    );
    server.listen(opts.port, opts.host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : opts.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * At most MAX_CONNECTIONS open, but a new client always gets in: at the cap the connection
 * idle the longest (between two keep-alive requests), else the oldest, is closed for it.
 * A refused newcomer (server.maxConnections) let 64 polite keep-alive clients lock every
 * real probe out for ever.
 */
function makeRoomForNewcomers(server: import('node:http').Server): void {
  const open = new Map<Socket, { busy: boolean; since: number }>(); // insertion order: oldest first
  server.on('connection', (socket: Socket) => {
    if (open.size >= MAX_CONNECTIONS) evictOne(open);
    open.set(socket, { busy: false, since: Date.now() });
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const c = open.get(req.socket);
    if (!c) return;
    c.busy = true;
    res.once('finish', () => Object.assign(c, { busy: false, since: Date.now() }));
  });
}

function evictOne(open: Map<Socket, { busy: boolean; since: number }>): void {
  let victim: Socket | undefined;
  let since = Infinity;
  for (const [s, c] of open) if (!c.busy && c.since < since) [victim, since] = [s, c.since];
  victim ??= open.keys().next().value;
  if (!victim) return;
  open.delete(victim);
  victim.destroy();
}

function respond(req: IncomingMessage, res: ServerResponse, state: () => HealthState): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/livez' && path !== '/readyz') return send(res, 404, { error: 'not found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: 'method not allowed' });
  }
  if (path === '/livez') return send(res, 200, { status: 'ok' });
  let s: HealthState;
  try {
    s = state();
  } catch {
    return send(res, 503, { status: 'unknown' }); // a bug in the caller must not crash PID 1
  }
  // only names, states and berth's own reasons: never commands, env or output
  const services = Object.fromEntries(Object.entries(s.services).map(([name, v]) => [name, { state: String(v.state), ready: Boolean(v.ready), ...(v.reason !== undefined && { reason: String(v.reason).slice(0, 200) }) }]));
  send(res, s.ready ? 200 : 503, { status: s.ready ? 'ready' : s.draining ? 'draining' : 'not ready', services });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
