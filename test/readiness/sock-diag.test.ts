// Listening tcp sockets through netlink sock_diag, against real sockets of this process, and
// the /proc fallback when netlink is off or fails.
import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { netlinkTcpListeners, procTcpListeners, tcpListeners, type Listener } from '../../src/os/net.js';
import { socketInodes } from '../../src/os/sockets.js';
import { retryUntilReady } from '../../src/readiness/probes/retry.js';
import { treeListenCheck } from '../../src/readiness/probes/tcp-owner.js';
import { loadSockDiag, readDump, sockDiagLoadError, type SockDiag } from '../../src/os/sock-diag.js';
import { cleanup, startFixture, withDeadline } from '../helpers/readiness.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await cleanup();
});

function listen(host: string): Promise<{ port: number; inode: number }> {
  const s = createServer();
  servers.push(s);
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      resolve({ port, inode: inodeOfFd((s as unknown as { _handle: { fd: number } })._handle.fd) });
    });
  });
}

const inodeOfFd = (fd: number) => Number(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))![1]);
const netlink = (): Listener[] => {
  const r = loadSockDiag()!.tcpListeners(['tcp', 'tcp6']);
  if (!r.ok) throw new Error(r.error);
  return r.listeners;
};
const failing = (): SockDiag & { calls: number } => {
  const fake = { calls: 0, tcpListeners: () => (fake.calls++, { ok: false as const, error: 'socket(AF_NETLINK, NETLINK_SOCK_DIAG): EPERM' }) };
  return fake;
};

describe('netlink sock_diag', () => {
  it('loads on Linux', () => {
    expect(sockDiagLoadError()).toBeUndefined();
    expect(loadSockDiag()).toBeDefined();
  });

  it('finds a listener of this process with its port, address, uid and inode', async () => {
    const { port, inode } = await listen('127.0.0.1');
    const found = netlink().filter((l) => l.port === port);
    expect(found).toEqual([{ proto: 'tcp', address: '127.0.0.1', port, uid: process.getuid!(), inode }]);
    expect((socketInodes(process.pid) as Map<number, number>).has(inode)).toBe(true);
    // the same row /proc/net/tcp gives
    expect(procTcpListeners(['tcp'], port)).toEqual([expect.objectContaining(found[0])]);
  });

  it('finds an IPv6 listener, and one on :: that takes IPv4 too', async () => {
    const lo = await listen('::1');
    const any = await listen('::');
    const all = netlink();
    expect(all.filter((l) => l.port === lo.port)).toEqual([expect.objectContaining({ proto: 'tcp6', address: '::1', inode: lo.inode })]);
    expect(all.filter((l) => l.port === any.port)).toEqual([expect.objectContaining({ proto: 'tcp6', address: '::', inode: any.inode })]);
    expect(procTcpListeners(['tcp6'], lo.port)).toEqual(all.filter((l) => l.port === lo.port));
  });

  it('does not list a socket that is bound but not listening, until it listens', () => {
    const sock = boundSocket();
    try {
      expect(netlink().some((l) => l.port === sock.port || l.inode === sock.inode)).toBe(false);
      sock.listen();
      expect(netlink().filter((l) => l.port === sock.port)).toEqual([expect.objectContaining({ address: '127.0.0.1', inode: sock.inode })]);
    } finally {
      sock.close();
    }
  });

  it('tells a kernel error from an answer, and a message larger than the buffer', () => {
    const buf = Buffer.alloc(64);
    buf.writeUInt32LE(36, 0); // nlmsghdr: len, NLMSG_ERROR, flags, seq 7
    buf.writeUInt16LE(2, 4);
    buf.writeUInt32LE(7, 8);
    buf.writeInt32LE(-1, 16); // -EPERM
    expect(readDump(() => 36, buf, 7, [])).toEqual({ ok: false, error: 'sock_diag: EPERM' });
    expect(readDump(() => 100, buf, 7, [])).toMatchObject({ ok: false, error: expect.stringMatching(/does not fit/) });
    buf.writeUInt32LE(20, 0); // NLMSG_DONE, with its int payload
    buf.writeUInt16LE(3, 4);
    expect(readDump(() => 20, buf, 7, [])).toBe(true);
  });
});

describe('fallback to /proc', () => {
  it('reads /proc/net/tcp{,6} when netlink is off or fails', async () => {
    const v4 = await listen('127.0.0.1');
    const v6 = await listen('::1');
    for (const source of [{ sockDiag: null }, { sockDiag: failing() }]) {
      expect(netlinkTcpListeners(['tcp'], source)).toBeUndefined();
      expect(tcpListeners(v4.port, undefined, source)).toEqual([expect.objectContaining({ proto: 'tcp', inode: v4.inode })]);
      expect(tcpListeners(v6.port, undefined, source)).toEqual([expect.objectContaining({ proto: 'tcp6', inode: v6.inode })]);
    }
  });

  it('the tcp probe finds a listener in the service tree either way, and gives up on netlink after one failure', async () => {
    const svc = startFixture('listen.mjs', ['tcp', '::', '0', '--via-child']);
    const { port } = await svc.next((l) => l.event === 'listening', 'child listening');
    const broken = failing();
    const counted = { calls: 0, tcpListeners: (f: Parameters<SockDiag['tcpListeners']>[0]) => (counted.calls++, loadSockDiag()!.tcpListeners(f)) };
    for (const sockDiag of [null, broken, counted]) {
      const ac = new AbortController();
      await withDeadline(retryUntilReady(treeListenCheck(svc.pid, port!, () => true, { sockDiag }), { signal: ac.signal }), 10_000, 'tcp probe ready');
    }
    expect(broken.calls).toBe(1);
    expect(counted.calls).toBeGreaterThan(0);
  });

  it('is not satisfied by a listener outside the tree, through either source', async () => {
    const { port } = await listen('127.0.0.1'); // this process: not in the fixture's tree
    const svc = startFixture('listen.mjs', ['none']);
    await svc.next((l) => l.event === 'idle', 'service up');
    for (const sockDiag of [undefined, null]) {
      const check = treeListenCheck(svc.pid, port, () => true, { sockDiag });
      expect([check(), check()]).toEqual(['poll', 'poll']);
    }
  });
});

/** A tcp socket bound to 127.0.0.1 and an ephemeral port, not listening: Node cannot make one. */
function boundSocket(): { port: number; inode: number; listen(): void; close(): void } {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load(null);
  const socket = lib.func('int socket(int, int, int)');
  const bind = lib.func('int bind(int, const void *, uint32_t)');
  const getsockname = lib.func('int getsockname(int, void *, _Inout_ uint32_t *)');
  const listenC = lib.func('int listen(int, int)');
  const close = lib.func('int close(int)');
  const fd = socket(2, 1 | 0o2000000, 0) as number; // AF_INET, SOCK_STREAM | SOCK_CLOEXEC
  expect(fd).toBeGreaterThanOrEqual(0);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(2, 0); // sin_family (x86/arm little-endian)
  addr.set([127, 0, 0, 1], 4);
  expect(bind(fd, addr, 16)).toBe(0);
  expect(getsockname(fd, addr, [16])).toBe(0);
  expect(readdirSync('/proc/self/fd')).toContain(String(fd));
  return { port: addr.readUInt16BE(2), inode: inodeOfFd(fd), listen: () => expect(listenC(fd, 1)).toBe(0), close: () => close(fd) };
}
