// The HTTP side of the head-to-head: one request at a time for the start test, an open-loop
// load for the stop and restart tests. Every request is a fresh connection (Connection: close),
// so each outcome is about one request and never about a reused keep-alive socket.
import http from 'node:http';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
export { now };

/**
 * Outcome classes (docs/BENCHMARKS.md defines them for the reader):
 * - ok:      200
 * - http5xx: the connection was accepted, and nginx answered 5xx (502: php-fpm not there)
 * - dropped: the connection was accepted, then reset or closed with no complete answer
 * - refused: connect() failed with ECONNREFUSED: nothing listens on the port (not up yet,
 *            or the listener is closed because the container is going away)
 * - other:   anything else (a non-200, non-5xx status; a client-side error; a timeout
 *            before connect)
 * "failed" = http5xx + dropped: a request the server accepted and then did not serve.
 */
export function request(port, path, { timeoutMs = 10_000 } = {}) {
  const sent = now();
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let body = '';
    const done = (kind, extra = {}) => {
      if (settled) return;
      settled = true;
      resolve({ kind, sent, done: now(), connected, ...extra });
    };
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        const status = res.statusCode;
        done(status === 200 ? 'ok' : status >= 500 ? 'http5xx' : 'other', { status, body });
      });
      res.on('error', () => done('dropped', { status, error: 'response aborted' }));
      res.on('aborted', () => done('dropped', { status, error: 'response aborted' }));
    });
    req.on('socket', (s) => s.once('connect', () => (connected = true)));
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      if (!connected && err.code === 'ECONNREFUSED') return done('refused', { error: err.code });
      if (connected) return done('dropped', { error: err.code ?? err.message });
      done('other', { error: err.code ?? err.message });
    });
    req.end();
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `path` once every `everyMs` (one request at a time; the next one leaves `everyMs`
 * after the previous one left, or at once if that one took longer) until the first 200,
 * or `deadline` (a now() value). Returns the time of the first 200 and every outcome before it.
 */
export async function pollUntilOk(port, path, { everyMs = 5, deadline, giveUp = () => false }) {
  const before = [];
  for (;;) {
    const r = await request(port, path, { timeoutMs: 5_000 });
    if (r.kind === 'ok') return { ok: r, before };
    before.push(r);
    if (now() > deadline || giveUp()) return { ok: undefined, before };
    const wait = r.sent + everyMs - now();
    if (wait > 0) await sleep(wait);
  }
}

/**
 * Open-loop load: one new request every 1000/rate ms, whatever happened to the earlier ones
 * (a closed loop would slow down exactly when the server misbehaves, and hide it).
 * stop() stops sending and resolves with every result once the requests in flight settle.
 */
export function startLoad(port, path, { rate = 200, onResult } = {}) {
  const interval = 1000 / rate;
  const results = [];
  const pending = new Set();
  let running = true;
  const t0 = now();
  let n = 0;
  let timer;
  const tick = () => {
    if (!running) return;
    // catch up if the timer fired late, so the rate holds
    while (running && t0 + n * interval <= now()) {
      n++;
      const p = request(port, path).then((r) => {
        results.push(r);
        pending.delete(p);
        onResult?.(r);
      });
      pending.add(p);
    }
    timer = setTimeout(tick, Math.max(0, t0 + n * interval - now()));
  };
  tick();
  return {
    results,
    async stop() {
      running = false;
      clearTimeout(timer);
      await Promise.all([...pending]);
      return results.sort((a, b) => a.sent - b.sent);
    },
  };
}

export function tally(results) {
  const t = { total: results.length, ok: 0, http5xx: 0, dropped: 0, refused: 0, other: 0, otherKinds: [] };
  for (const r of results) {
    t[r.kind]++;
    if (r.kind === 'other') t.otherKinds.push(r.status ? `HTTP ${r.status}` : `${r.error} before connecting`);
  }
  t.failed = t.http5xx + t.dropped;
  return t;
}
