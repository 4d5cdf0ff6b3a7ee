// TCP addresses bound and never listened on, for as long as `nginx -t` runs (presets/nginx-hold.ts).
// Through koffi: Node's own sockets (libuv) always set SO_REUSEADDR, and a bound socket with it
// does not keep another from binding the same address. A bound socket without it does, and a
// client connecting to it is refused, as it is when nothing is there.
// Bound here, on first use, not in libc.ts: only a start with the nginx preset needs them.
import { endianness } from 'node:os';
import { bindLibc } from './koffi.js';

export interface HeldAddress {
  /** an IPv4 or IPv6 literal; '0.0.0.0' and '::' for every address */
  host: string;
  port: number;
}

export interface PortHold {
  /** what is held (binding the rest failed: in use, not allowed, no such address) */
  held: HeldAddress[];
  release(): void;
}

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  close(fd: number): number;
}

let calls: SocketCalls | null | undefined;

function load(): SocketCalls | undefined {
  // no koffi: nothing is held, and nginx -t listens for its few ms as it always did
  calls ??= bindLibc((_koffi, lib) => ({
    socket: lib.func('int socket(int domain, int type, int protocol)') as SocketCalls['socket'],
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)') as SocketCalls['bind'],
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as SocketCalls['setsockopt'],
    close: lib.func('int close(int fd)') as SocketCalls['close'],
  })).value ?? null;
  return calls ?? undefined;
}

/** Bind each address without SO_REUSEADDR and without listen(); best effort, never throws. */
export function holdAddresses(addresses: readonly HeldAddress[]): PortHold {
  const c = addresses.length > 0 ? load() : undefined;
  const fds: number[] = [];
  const held: HeldAddress[] = [];
  for (const a of c ? addresses : []) {
    const addr = sockaddr(a);
    if (!addr) continue;
    const fd = c!.socket(addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    // as nginx binds [::]: IPv6 only (ipv6only=on is its default), so 0.0.0.0 is held on its own
    const v6only = addr.family === AF_INET6 ? c!.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, int32(1), 4) : 0;
    if (v6only !== 0 || c!.bind(fd, addr.buffer, addr.buffer.length) !== 0) {
      c!.close(fd);
      continue;
    }
    fds.push(fd);
    held.push(a);
  }
  return {
    held,
    release() {
      for (const fd of fds.splice(0)) c!.close(fd);
    },
  };
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

/** struct sockaddr_in / sockaddr_in6: the family in host order, the port in network order. */
function sockaddr(a: HeldAddress): { family: number; buffer: Buffer } | undefined {
  if (!Number.isInteger(a.port) || a.port <= 0 || a.port > 65535) return undefined;
  const v4 = ipv4Bytes(a.host);
  const v6 = v4 ? undefined : ipv6Bytes(a.host);
  if (!v4 && !v6) return undefined;
  const b = Buffer.alloc(v4 ? 16 : 28);
  if (endianness() === 'LE') b.writeUInt16LE(v4 ? AF_INET : AF_INET6, 0);
  else b.writeUInt16BE(v4 ? AF_INET : AF_INET6, 0);
  b.writeUInt16BE(a.port, 2);
  if (v4) v4.copy(b, 4);
  else v6!.copy(b, 8);
  return { family: v4 ? AF_INET : AF_INET6, buffer: b };
}

// not node:net's isIPv6: its regular expression takes milliseconds to compile on first use
function ipv4Bytes(host: string): Buffer | undefined {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)?.slice(1).map(Number);
  return parts && parts.every((n) => n <= 255) ? Buffer.from(parts) : undefined;
}

function ipv6Bytes(host: string): Buffer | undefined {
  let text = host;
  // a trailing dotted quad (::ffff:127.0.0.1) is the last two groups
  const quad = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const q = ipv4Bytes(quad);
    if (!q) return undefined;
    text = `${text.slice(0, -quad.length)}${q.readUInt16BE(0).toString(16)}:${q.readUInt16BE(2).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const front = groups(halves[0]!);
  const back = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - front.length - back.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...front, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...back];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
