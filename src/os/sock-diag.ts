// Listening tcp sockets through netlink sock_diag, as `ss -ltn` reads them: the kernel walks
// only its listener hash, where /proc/net/tcp{,6} walk the whole connection hash (2-5 ms a read
// on a VM with 262,144 buckets). koffi and the C library load on first use (koffi.ts bindLibc); undefined from loadSockDiag() means "read /proc instead", never an error.
import { endianness } from 'node:os';
import { bindLibc } from './koffi.js';
import { errnoName } from './libc.js';
import type { Listener } from './net.js';

export type TcpFamily = 'tcp' | 'tcp6';
/** One dump of the listening sockets of the given families; a failed dump says why, and the caller reads /proc. */
export type DumpResult = { ok: true; listeners: Listener[] } | { ok: false; error: string };

export interface SockDiag {
  tcpListeners(families: ReadonlyArray<TcpFamily>): DumpResult;
}

const AF_NETLINK = 16;
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const IPPROTO_TCP = 6;
const SOCK_DIAG_BY_FAMILY = 20;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;
const TCP_LISTEN = 10;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const NLMSG_HDRLEN = 16;
const REQ_LEN = NLMSG_HDRLEN + 56; // nlmsghdr + inet_diag_req_v2
const MSG_LEN = 72; // inet_diag_msg
// the kernel sizes a dump's messages by the reader's buffer, up to 32 KiB; more is room for large pages
const RECV_BYTES = 64 * 1024;
const MAX_RECVS = 4096; // a dump that never ends is a kernel we do not understand: fall back

let loaded: { diag?: SockDiag; error?: string } | undefined;

/** The netlink reader, or undefined where it cannot work (not Linux, no koffi); sockDiagLoadError says why. */
export function loadSockDiag(): SockDiag | undefined {
  loaded ??= tryLoad();
  return loaded.diag;
}

export function sockDiagLoadError(): string | undefined {
  loadSockDiag();
  return loaded?.error;
}

function tryLoad(): { diag?: SockDiag; error?: string } {
  const r = bindLibc(bind);
  return { diag: r.value, error: r.error };
}

function bind(koffi: typeof import('koffi'), lib: import('koffi').LibraryHandle): SockDiag {
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  const sendto = lib.func('intptr_t sendto(int fd, const void *buf, uintptr_t len, int flags, const void *addr, uint32_t addrlen)');
  const recv = lib.func('intptr_t recv(int fd, void *buf, uintptr_t len, int flags)');
  const close = lib.func('int close(int fd)');
  const kernel = Buffer.alloc(12); // sockaddr_nl { nl_family, pad, nl_pid 0 (the kernel), nl_groups 0 }
  u16w(kernel, AF_NETLINK, 0);
  const buf = Buffer.alloc(RECV_BYTES);
  let seq = 0;
  const failed = (what: string) => ({ ok: false as const, error: `${what}: ${errnoName(koffi.errno())}` });
  // EPERM (seccomp), ENOENT (no inet_diag in the kernel) do not go away: after one failure, /proc for good
  let broken: { ok: false; error: string } | undefined;

  return {
    tcpListeners(families) {
      if (broken) return broken;
      const r = dump(families);
      if (!r.ok) broken = r;
      return r;
    },
  };

  function dump(families: ReadonlyArray<TcpFamily>): DumpResult {
    const fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG) as number;
    if (fd < 0) return failed('socket(AF_NETLINK, NETLINK_SOCK_DIAG)');
    try {
      const listeners: Listener[] = [];
      for (const family of families) {
        const req = request(family === 'tcp' ? AF_INET : AF_INET6, ++seq);
        if (Number(sendto(fd, req, req.length, 0, kernel, kernel.length)) !== req.length) return failed('sendto(sock_diag)');
        const done = readDump(
          () => {
            const n = Number(recv(fd, buf, buf.length, MSG_DONTWAIT | MSG_TRUNC));
            return n < 0 ? failed('recv(sock_diag)') : n;
          },
          buf,
          seq,
          listeners,
        );
        if (done !== true) return done;
      }
      return { ok: true, listeners };
    } finally {
      close(fd);
    }
  }
}

/** nlmsghdr + inet_diag_req_v2 asking for every TCP_LISTEN socket of one address family. */
export function request(family: number, seq: number): Buffer {
  const b = Buffer.alloc(REQ_LEN);
  u32w(b, REQ_LEN, 0);
  u16w(b, SOCK_DIAG_BY_FAMILY, 4);
  u16w(b, NLM_F_REQUEST | NLM_F_DUMP, 6);
  u32w(b, seq, 8);
  b.writeUInt8(family, 16); // sdiag_family
  b.writeUInt8(IPPROTO_TCP, 17); // sdiag_protocol
  u32w(b, 1 << TCP_LISTEN, 20); // idiag_states: only listeners, so the connection hash is never walked
  b.fill(0xff, 64, 72); // id.idiag_cookie: INET_DIAG_NOCOOKIE
  return b;
}

/**
 * Read one dump's replies until NLMSG_DONE, adding each listener to out. receive gives the
 * byte count in buf (which may exceed buf's size: MSG_TRUNC), or a failure.
 */
export function readDump(receive: () => number | { ok: false; error: string }, buf: Buffer, seq: number, out: Listener[]): true | { ok: false; error: string } {
  for (let i = 0; i < MAX_RECVS; i++) {
    const n = receive();
    if (typeof n !== 'number') return n;
    if (n > buf.length) return { ok: false, error: `sock_diag: a ${n}-byte message does not fit ${buf.length} bytes` };
    if (n === 0) return { ok: false, error: 'sock_diag: the dump ended without NLMSG_DONE' };
    for (let off = 0; off + NLMSG_HDRLEN <= n; ) {
      const len = u32r(buf, off);
      const type = u16r(buf, off + 4);
      if (len < NLMSG_HDRLEN || off + len > n) return { ok: false, error: `sock_diag: malformed message (length ${len})` };
      if (u32r(buf, off + 8) === seq) {
        if (type === NLMSG_DONE) return true;
        if (type === NLMSG_ERROR) return { ok: false, error: `sock_diag: ${errnoName(-buf.readInt32LE(off + NLMSG_HDRLEN))}` };
        if (type === SOCK_DIAG_BY_FAMILY && len >= NLMSG_HDRLEN + MSG_LEN) {
          const l = decodeListener(buf, off + NLMSG_HDRLEN);
          if (l) out.push(l);
        }
      }
      off += (len + 3) & ~3; // NLMSG_ALIGN
    }
  }
  return { ok: false, error: `sock_diag: no NLMSG_DONE after ${MAX_RECVS} reads` };
}

/** inet_diag_msg at off, as /proc/net/tcp{,6} would have listed it; undefined for anything but a listener. */
function decodeListener(b: Buffer, off: number): Listener | undefined {
  const family = b.readUInt8(off);
  if (b.readUInt8(off + 1) !== TCP_LISTEN || (family !== AF_INET && family !== AF_INET6)) return undefined;
  const bytes = [...b.subarray(off + 8, off + 8 + (family === AF_INET ? 4 : 16))];
  return {
    proto: family === AF_INET ? 'tcp' : 'tcp6',
    address: formatAddress(bytes),
    port: b.readUInt16BE(off + 4), // network byte order, as on the wire
    uid: u32r(b, off + 64),
    inode: u32r(b, off + 68),
  };
}

/** An address's bytes in network order, written as /proc-derived listeners are: "0.0.0.0", "::", "::ffff:1.2.3.4". */
export function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1); // URL compresses the zeros
}

// netlink headers and the inet_diag_msg counters are in the host's byte order
const LE = endianness() === 'LE';
const u32r = (b: Buffer, o: number) => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const u16r = (b: Buffer, o: number) => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const u32w = (b: Buffer, v: number, o: number) => (LE ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
const u16w = (b: Buffer, v: number, o: number) => (LE ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
