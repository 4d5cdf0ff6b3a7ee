import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeProbe, waitReady } from '../../src/readiness/probes/index.js';
import { lastObservation } from '../../src/readiness/probes/observed.js';
import { finalStatus } from '../../src/readiness/probes/http-status.js';
import type { Probe } from '../../src/types.js';
import { cleanup, context, startFixture, stillWaitingAfter, tempDir, withDeadline } from '../helpers/readiness.js';
import { freePort } from '../helpers/net.js';

afterEach(() => cleanup());

const ready = (probe: Probe, pid: number, over = {}) => withDeadline(waitReady(probe, context(pid, new AbortController().signal, over)), 10_000, `${probe.kind} probe ready`);

describe('unix probe', () => {
  it('is ready once the service listens, not before', async () => {
    const path = join(tempDir(), 'app.sock');
    const svc = startFixture('listen.mjs', ['unix', path, '--go']);
    await svc.next((l) => l.event === 'waiting', 'fixture up');
    expect(await stillWaitingAfter((signal) => waitReady({ kind: 'unix', path }, context(svc.pid, signal)), 200)).toBe(true);
    const probe = ready({ kind: 'unix', path }, svc.pid);
    svc.send('go');
    await probe;
  });

  it('does not take a stale socket file for a listening service', async () => {
    const path = join(tempDir(), 'stale.sock');
    const old = startFixture('listen.mjs', ['unix', path]);
    await old.next((l) => l.event === 'listening', 'first run listening');
    old.proc.kill('SIGKILL'); // a crash leaves the socket file behind
    await old.exited;
    const probe: Probe = { kind: 'unix', path };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(old.pid, signal)))).toBe(true);
    expect(lastObservation(probe)).toMatch(/refused/);
    // the next run removes the stale file and binds again: ready
    const next = startFixture('listen.mjs', ['unix', path, '--go']);
    await next.next((l) => l.event === 'waiting', 'second run up');
    const waiting = ready(probe, next.pid);
    const { rmSync } = await import('node:fs');
    rmSync(path);
    next.send('go');
    await waiting;
  });

  it('notices a socket whose directory appears later', async () => {
    const path = join(tempDir(), 'later', 'deeper', 'x.sock');
    const svc = startFixture('listen.mjs', ['unix', path, '--go']);
    await svc.next((l) => l.event === 'waiting', 'fixture up');
    const probe = ready({ kind: 'unix', path }, svc.pid);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(path, '..'), { recursive: true });
    svc.send('go');
    await probe;
  });
});

describe('tcp probe', () => {
  it('is ready when the service itself listens on the port', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '127.0.0.1', String(port), '--go']);
    await svc.next((l) => l.event === 'waiting', 'fixture up');
    expect(await stillWaitingAfter((signal) => waitReady({ kind: 'tcp', port }, context(svc.pid, signal)), 200)).toBe(true);
    const probe = ready({ kind: 'tcp', port }, svc.pid);
    svc.send('go');
    await probe;
  });

  it('counts a listener in a child of the service (its process tree), and on tcp6', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '::', String(port), '--via-child']);
    await svc.next((l) => l.event === 'listening', 'child listening');
    await ready({ kind: 'tcp', port }, svc.pid);
    await ready({ kind: 'tcp', host: '127.0.0.1', port }, svc.pid); // :: takes v4 too
  });

  it('is not satisfied by another process tree holding the port', async () => {
    const port = await freePort();
    const other = startFixture('listen.mjs', ['tcp', '127.0.0.1', String(port)]);
    await other.next((l) => l.event === 'listening', 'other listening');
    const svc = startFixture('listen.mjs', ['none']);
    await svc.next((l) => l.event === 'idle', 'service up');
    expect(await stillWaitingAfter((signal) => waitReady({ kind: 'tcp', port }, context(svc.pid, signal)))).toBe(true);
    await ready({ kind: 'tcp', port }, other.pid); // control: the owner's own probe passes
  });

  it('does not take a listener on another address for the one asked', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '127.0.0.1', String(port)]);
    await svc.next((l) => l.event === 'listening', 'listening');
    expect(await stillWaitingAfter((signal) => waitReady({ kind: 'tcp', host: '::1', port }, context(svc.pid, signal)), 200)).toBe(true);
  });
});

describe('http probe', () => {
  it('is ready on 2xx and waits through other answers', async () => {
    const port = await freePort();
    const ok = startFixture('listen.mjs', ['http', '127.0.0.1', String(port), '204', '--go']);
    await ok.next((l) => l.event === 'waiting', 'up');
    const probe = ready({ kind: 'http', url: `http://127.0.0.1:${port}/health` }, ok.pid);
    ok.send('go');
    await probe;
  });

  it('keeps waiting on 503, and takes a chosen status', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['http', '127.0.0.1', String(port), '503']);
    await svc.next((l) => l.event === 'listening', 'listening');
    const probe: Probe = { kind: 'http', url: `http://127.0.0.1:${port}/` };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(svc.pid, signal)), 300)).toBe(true);
    expect(lastObservation(probe)).toMatch(/answered 503/);
    await ready({ kind: 'http', url: `http://127.0.0.1:${port}/`, status: 503 }, svc.pid);
  });

  it('leaves no connection open in the service', async () => {
    let open = 0;
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.statusCode = requests < 3 ? 500 : 200;
      res.end('body');
    });
    server.on('connection', (s) => {
      open++;
      s.on('close', () => open--);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await ready({ kind: 'http', url: `http://127.0.0.1:${port}/` }, process.pid);
    expect(requests).toBe(3);
    await withDeadline(new Promise<void>((r) => { const t = setInterval(() => open === 0 && (clearInterval(t), r()), 5); }), 5000, 'connections closed');
    expect(open).toBe(0);
    await new Promise((r) => server.close(r));
  });
});

describe('http probe on a raw socket: what Node\'s client did, kept', () => {
  /** a server that answers every connection with `answer`, raw, and records what it was asked */
  async function rawServer(answer: string) {
    const asked: string[] = [];
    const server = createNetServer((s) => {
      let req = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        req += d;
        if (!req.includes('\r\n\r\n')) return;
        asked.push(req);
        s.end(answer);
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { asked, port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
  }

  it('skips interim answers (103 Early Hints, 100 Continue) to the final status', async () => {
    const s = await rawServer('HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await ready({ kind: 'http', url: `http://127.0.0.1:${s.port}/health?deep=1` }, process.pid);
    expect(s.asked[0]).toMatch(/^GET \/health\?deep=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUser-Agent: berth-ready-probe\r\n/);
    await s.close();
  });

  it("sends the URL's user and password as basic authentication", async () => {
    const s = await rawServer('HTTP/1.1 200 OK\r\n\r\n');
    await ready({ kind: 'http', url: `http://probe:p%40ss%3Aw@127.0.0.1:${s.port}/` }, process.pid);
    expect(s.asked[0]).toContain(`\r\nAuthorization: Basic ${Buffer.from('probe:p@ss:w').toString('base64')}\r\n`);
    await s.close();
  });

  it("never shows the URL's password: not in what it saw, not in the probe as described", async () => {
    const s = await rawServer('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    const probe: Probe = { kind: 'http', url: `http://probe:hunter2-pw@127.0.0.1:${s.port}/health` };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(process.pid, signal)), 300)).toBe(true);
    expect(lastObservation(probe)).toBe(`GET http://probe:***@127.0.0.1:${s.port}/health answered 503`);
    expect(describeProbe(probe)).toBe(`http://probe:***@127.0.0.1:${s.port}/health`);
    expect(s.asked[0]).toContain(`Authorization: Basic ${Buffer.from('probe:hunter2-pw').toString('base64')}`);
    await s.close();
  });

  it('takes an answer that is not HTTP for a service not ready yet, and says so', async () => {
    const s = await rawServer('SSH-2.0-OpenSSH_9.2\r\n');
    const probe: Probe = { kind: 'http', url: `http://127.0.0.1:${s.port}/` };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(process.pid, signal)), 300)).toBe(true);
    expect(lastObservation(probe)).toMatch(/failed: EPROTO/);
    await s.close();
  });

  it('reads the status line across packets, and bounds what it reads before one', () => {
    expect(finalStatus('HTTP/1.1 2')).toBe(0);
    expect(finalStatus('HTTP/1.1 204 No Content\r\n')).toEqual({ status: 204 });
    expect(finalStatus('HTTP/1.0 503\r\n')).toEqual({ status: 503 });
    expect(finalStatus('HTTP/1.1 101 Switching Protocols\r\n')).toEqual({ status: 101 });
    const interim = 'HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n';
    expect(finalStatus(interim)).toBe(interim.length);
    expect(finalStatus(`${interim}HTTP/1.1 200 OK\r\n`)).toEqual({ status: 200 });
    expect(finalStatus('HTTP/1.1 103 Early Hints\r\nLink: x\r\n')).toBe(0);
    expect(finalStatus('<html>\r\n')).toEqual({ code: 'EPROTO' });
    expect(finalStatus('HTTP/1.1 2000 OK\r\n')).toEqual({ code: 'EPROTO' });
  });
});

describe('file, exec and log probes', () => {
  it('file: ready when the file appears', async () => {
    const path = join(tempDir(), 'sub', 'ready.flag');
    const probe = ready({ kind: 'file', path }, process.pid);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(path, '..'));
    writeFileSync(path, '');
    await probe;
    expect(await stillWaitingAfter((signal) => waitReady({ kind: 'file', path: `${path}.nope` }, context(process.pid, signal)), 200)).toBe(true);
  });

  it('exec: ready when the command exits 0, run in the cwd and env given', async () => {
    const dir = tempDir();
    const script = join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\n[ -f "$FLAG" ] && [ "$(pwd)" = "$WANT" ]\n');
    chmodSync(script, 0o755);
    const flag = join(dir, 'flag');
    const env = { PATH: process.env.PATH!, FLAG: flag, WANT: dir };
    const probe: Probe = { kind: 'exec', argv: [script] };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(process.pid, signal, { cwd: dir, env })), 300)).toBe(true);
    expect(lastObservation(probe)).toMatch(/exited with 1/);
    writeFileSync(flag, '');
    await ready(probe, process.pid, { cwd: dir, env });
  });

  it('log: ready on the first matching line, colour codes aside, and unsubscribes', async () => {
    const listeners = new Set<(l: string) => void>();
    const subscribeLines = (cb: (l: string) => void) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    };
    const probe = ready({ kind: 'log', regex: 'listening on port \\d+' }, process.pid, { subscribeLines });
    expect(listeners.size).toBe(1);
    listeners.forEach((cb) => cb('starting'));
    listeners.forEach((cb) => cb('\x1b[32mlistening\x1b[0m on port 3000'));
    await probe;
    expect(listeners.size).toBe(0);
    const ac = new AbortController();
    const waiting = waitReady({ kind: 'log', regex: 'never' }, context(process.pid, ac.signal, { subscribeLines }));
    listeners.forEach((cb) => cb('something else'));
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(listeners.size).toBe(0);
  });
});

describe('fastcgi probe', () => {
  it('asks for the ping page over a unix socket and wants "pong"', async () => {
    const path = join(tempDir(), 'fpm.sock');
    const svc = startFixture('listen.mjs', ['fcgi-unix', path, '--go']);
    await svc.next((l) => l.event === 'waiting', 'up');
    const probe = ready({ kind: 'fastcgi', address: `unix:${path}`, path: '/ping' }, svc.pid);
    svc.send('go');
    await probe;
  });

  it('over tcp; a wrong page or a wrong answer is not ready', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['fcgi-tcp', '127.0.0.1', String(port)]);
    await svc.next((l) => l.event === 'listening', 'listening');
    await ready({ kind: 'fastcgi', address: String(port), path: '/ping' }, svc.pid);
    const wrongPage: Probe = { kind: 'fastcgi', address: `127.0.0.1:${port}`, path: '/status' };
    expect(await stillWaitingAfter((signal) => waitReady(wrongPage, context(svc.pid, signal)), 300)).toBe(true);
    expect(lastObservation(wrongPage)).toMatch(/answered 404/);
    const wrongText: Probe = { kind: 'fastcgi', address: `127.0.0.1:${port}`, path: '/ping', expect: 'PONG!' };
    expect(await stillWaitingAfter((signal) => waitReady(wrongText, context(svc.pid, signal)), 300)).toBe(true);
  });
});

it('rejects with the abort reason at once when aborted', async () => {
  const ac = new AbortController();
  ac.abort(new Error('shutdown'));
  await expect(waitReady({ kind: 'tcp', port: 1 }, context(process.pid, ac.signal))).rejects.toThrow('shutdown');
});
