// Hostile input on the control socket: 10,000 random requests, oversized and half-sent ones,
// too many connections, a client that stops reading. Each gets an error reply or is dropped;
// berth's services are never touched and its memory stays flat.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from '../helpers/ctl.js';

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

const CONFIG = `
control: CONTROL
services:
  app:
    command: [sleep, "1000"]
  chatty:
    command: [sh, -c, "while :; do seq 1 2000 | sed s/^/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/; sleep 0.05; done"]
`;

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** A connection and the replies it got, as parsed lines. */
function client(path: string) {
  const socket = connect(path);
  const replies: Record<string, unknown>[] = [];
  let buf = '';
  const waiters = new Set<() => void>();
  socket.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      replies.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
    waiters.forEach((w) => w());
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  const until = (n: number, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (replies.length < n) return;
        waiters.delete(check);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => reject(new Error(`${replies.length} of ${n} replies within ${ms} ms`)), ms);
      waiters.add(check);
      check();
    });
  return { socket, replies, until, closed };
}

const connected = (s: Socket) => new Promise<void>((resolve) => s.once('connect', () => resolve()));

/** A random request line: valid shapes with wrong values, garbage, nesting, bytes. Never a real service name. */
function randomLine(rand: () => number): string {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const name = () => pick(['nope', 'ap', 'APP', '', 'x'.repeat(300), 'app ', '../app', '\u0000', 'chatty:1']);
  const value = (): unknown => pick([null, true, 1, -1, 1e400, 'str', [], {}, [name()], { a: 1 }, 'SIGKILL', 9, 1.5]);
  switch (Math.floor(rand() * 8)) {
    case 0:
      return JSON.stringify({ v: pick([1, 2, 0, '1', null, undefined]), cmd: pick(['status', 'restart', 'stop', 'start', 'signal', 'logs', 'reload', 'ping', 'STATUS', 'rm', '']), names: pick([[name()], [], name(), value(), undefined]), id: value() });
    case 1:
      return JSON.stringify({ v: 1, cmd: pick(['stop', 'start', 'restart']), names: [name(), name()] });
    case 2:
      return JSON.stringify({ v: 1, cmd: 'signal', signal: pick(['KILL', 'TERM', 'HUP', 'NOPE', 9, '']), names: [name()] });
    case 3:
      return JSON.stringify({ v: 1, cmd: 'logs', name: name(), lines: value(), follow: pick([true, false, 'yes']) });
    case 4:
      return `${'['.repeat(Math.floor(rand() * 20_000))}`;
    case 5:
      return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => 1 + Math.floor(rand() * 255)).filter((b) => b !== 10)).toString('latin1');
    case 6:
      return JSON.stringify({ v: 1, cmd: 'status', extra: value() });
    default:
      return JSON.stringify({ v: 1, cmd: pick(['ping', 'status']) });
  }
}

describe('the control socket under hostile input', () => {
  it('10,000 random requests: one reply each (or an error), services untouched, memory flat', async () => {
    const c = startControlled(CONFIG.replace(/  chatty:[\s\S]*$/, ''));
    open.push(c);
    await c.berth.waitForEvent('ready');
    const before = await c.status();
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rss: number[] = [];
    for (let round = 0; round < 10; round++) {
      const conns = Array.from({ length: 10 }, () => client(c.control));
      await Promise.all(conns.map((k) => connected(k.socket)));
      const sent = conns.map((k) => {
        let n = 0;
        for (let i = 0; i < 100; i++) {
          const line = randomLine(rand);
          if (line.trim() === '') continue;
          k.socket.write(`${line}\n`);
          n++;
        }
        return n;
      });
      await Promise.all(conns.map((k, i) => k.until(sent[i]!)));
      for (const k of conns) {
        for (const r of k.replies) expect(r.v).toBe(1);
        k.socket.destroy();
      }
      rss.push(rssKiB(c.berth.pid));
    }
    const after = await c.status();
    expect(after.services.map((s) => [s.name, s.pid, s.state])).toEqual(before.services.map((s) => [s.name, s.pid, s.state]));
    expect(c.berth.events('service.exit')).toEqual([]);
    expect(c.berth.events('control.stop').length + c.berth.events('control.signal').length).toBe(0);
    // flat: once the first rounds have grown the heap to its working size, 7,000 more requests
    // add no more than a few MiB (it climbed 20 MiB here when every closed connection was held
    // 10 s with its buffers, and JSON.parse built 20,000 arrays for a line of 20,000 `[`)
    const settled = rss[2]!;
    expect(Math.max(...rss.slice(3)) - settled, `VmRSS after each round, KiB: ${rss.join(', ')}`).toBeLessThan(8 * 1024);
    expect(c.berth.proc.exitCode).toBe(null);
  });

  it('an oversized request: an error reply, the connection closed', async () => {
    const c = startControlled(CONFIG.replace(/  chatty:[\s\S]*$/, ''));
    open.push(c);
    await c.berth.waitForEvent('ready');
    const k = client(c.control);
    await connected(k.socket);
    k.socket.write(`{"v":1,"cmd":"status","x":"${'a'.repeat(70 * 1024)}"}\n`);
    await k.closed;
    expect(k.replies).toEqual([expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'too-large', status: 64 }) })]);
    expect((await c.ctl(['status'])).code).toBe(0);
  });

  it('a client that goes on sending after its too-large reply is not read into memory', async () => {
    const c = startControlled(CONFIG.replace(/  chatty:[\s\S]*$/, ''));
    open.push(c);
    await c.berth.waitForEvent('ready');
    // half-open: the client may go on writing after berth has ended its side
    const socket = connect({ path: c.control, allowHalfOpen: true });
    socket.on('error', () => {});
    await connected(socket);
    let reply = '';
    socket.setEncoding('utf8').on('data', (d: string) => (reply += d));
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    socket.write('x'.repeat(70 * 1024)); // no newline, over the 64 KiB a request may take
    await ended;
    expect(reply).toMatch(/"code":"too-large"/);
    const rss = rssKiB(c.berth.pid);
    const chunk = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 24 && !socket.destroyed; i++) {
      if (socket.write(chunk)) continue;
      await new Promise<void>((resolve) => {
        socket.once('drain', () => resolve());
        socket.once('close', () => resolve());
      });
    }
    // 24 MiB offered after the connection was done with: berth cut it off after 1 MiB
    expect(socket.destroyed || socket.writableEnded || socket.closed).toBe(true);
    expect(rssKiB(c.berth.pid) - rss).toBeLessThan(8 * 1024);
    socket.destroy();
    expect((await c.ctl(['status'])).code).toBe(0);
  });

  it('too many connections at once: the one past the limit is told so; then everything works again', async () => {
    const c = startControlled(CONFIG.replace(/  chatty:[\s\S]*$/, ''));
    open.push(c);
    await c.berth.waitForEvent('ready');
    const idle = Array.from({ length: 16 }, () => client(c.control));
    await Promise.all(idle.map((k) => connected(k.socket)));
    // the kernel accepts at once; berth counts them once its accept ran: a ping on each proves it
    for (const k of idle) k.socket.write('{"v":1,"cmd":"ping"}\n');
    await Promise.all(idle.map((k) => k.until(1)));
    const extra = client(c.control);
    await extra.closed;
    expect(extra.replies).toEqual([expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'busy', status: 69 }) })]);
    idle.forEach((k) => k.socket.destroy());
    await Promise.all(idle.map((k) => k.closed));
    expect((await c.ctl(['status'])).code).toBe(0);
  });

  it('a request never finished is cut off after 10 s; a client that stops reading is dropped', async () => {
    const c = startControlled(CONFIG);
    open.push(c);
    await c.berth.waitForEvent('ready');
    // memory is measured once the flood has gone on a while: V8's heap grows under it anyway
    await c.berth.waitFor(() => c.berth.lines.length > 20_000, 30_000, '20,000 lines of chatty');
    const slow = client(c.control);
    await connected(slow.socket);
    slow.socket.write('{"v":1,"cmd":"sta');
    const deaf = client(c.control);
    await connected(deaf.socket);
    deaf.socket.pause(); // reads nothing from here on
    deaf.socket.write('{"v":1,"cmd":"logs","name":"chatty","lines":0,"follow":true}\n');
    const rss = rssKiB(c.berth.pid);
    await slow.closed;
    expect(slow.replies).toEqual([expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'timeout' }) })]);
    // berth dropped the deaf client: its end of the socket is closed once the kernel buffers are read
    deaf.socket.resume();
    await deaf.closed;
    expect(rssKiB(c.berth.pid) - rss).toBeLessThan(40 * 1024);
    expect((await c.ctl(['status'])).code).toBe(0);
  });
});
