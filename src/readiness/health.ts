// `health.listen`: GET /livez and GET /readyz for Kubernetes httpGet probes, and nothing else.
// Small limits everywhere: it must never become the thing that takes the container down.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthState {
  ready: boolean;
  services: Record<string, { state: string; ready: boolean }>;
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
  server.maxConnections = MAX_CONNECTIONS;
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
  // only names and states: never commands, env or output
  const services = Object.fromEntries(Object.entries(s.services).map(([name, v]) => [name, { state: String(v.state), ready: Boolean(v.ready) }]));
  send(res, s.ready ? 200 : 503, { status: s.ready ? 'ready' : 'not ready', services });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
