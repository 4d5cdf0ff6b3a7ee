// Listening sockets of this network namespace: tcp and tcp6 through netlink sock_diag
// (or /proc/net/tcp{,6} where netlink does not answer), unix from /proc/net/unix.
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { endianness } from 'node:os';
import { formatAddress, loadSockDiag, type SockDiag, type TcpFamily } from './sock-diag.js';

export interface Listener {
  proto: 'tcp' | 'tcp6' | 'unix';
  address: string; // "0.0.0.0", "::", or the socket path ("@name" when abstract)
  port?: number;
  inode: number;
  uid: number; // owner of the socket (tcp); -1 where /proc does not say (unix)
}
export interface OwnedListener extends Listener {
  pid: number;
  fd: number;
}

const TCP_LISTEN = '0A';
const SO_ACCEPTCON = 0x10000;

export interface ListenerSource {
  /** the netlink reader (default: loadSockDiag()); null reads /proc/net/tcp{,6} only */
  sockDiag?: SockDiag | null;
}

/** Listening tcp/tcp6 sockets of this network namespace, optionally only on one port. */
export function tcpListeners(port?: number, protos: ReadonlyArray<TcpFamily> = ['tcp', 'tcp6'], source: ListenerSource = {}): Listener[] {
  return netlinkTcpListeners(protos, source)?.filter((l) => port === undefined || l.port === port) ?? procTcpListeners(protos, port);
}

/** The same through netlink sock_diag (~0.05 ms for both families); undefined where netlink does not answer: read /proc. */
export function netlinkTcpListeners(protos: ReadonlyArray<TcpFamily>, source: ListenerSource = {}): Listener[] | undefined {
  const diag = source.sockDiag === undefined ? loadSockDiag() : source.sockDiag;
  const r = diag?.tcpListeners(protos);
  return r?.ok ? r.listeners : undefined;
}

/** The same from /proc/net/tcp{,6}: 2-5 ms a table where the kernel's connection hash is big. */
export function procTcpListeners(protos: ReadonlyArray<TcpFamily>, port?: number): Listener[] {
  return protos.flatMap((proto) =>
    tableRows(`/proc/net/${proto}`, true).flatMap((f): Listener[] => {
      const [hex, portHex] = (f[1] ?? '').split(':');
      const p = parseInt(portHex ?? '', 16);
      if (f[3] !== TCP_LISTEN || (port !== undefined && p !== port)) return [];
      return [{ proto, address: decodeAddress(hex ?? ''), port: p, inode: Number(f[9]), uid: Number(f[7]) }];
    }),
  );
}

/** Inodes of sockets that can never become a tcp listener: connected tcp, udp, unix, netlink. */
export function settledSocketInodes(): Set<number> {
  const out = new Set<number>();
  for (const proto of ['tcp', 'tcp6']) for (const f of tableRows(`/proc/net/${proto}`, false)) if (f[3] !== TCP_LISTEN) out.add(Number(f[9]));
  for (const proto of ['udp', 'udp6']) for (const f of tableRows(`/proc/net/${proto}`, false)) out.add(Number(f[9]));
  for (const f of tableRows('/proc/net/unix', false)) out.add(Number(f[6]));
  for (const f of tableRows('/proc/net/netlink', false)) out.add(Number(f[8]));
  out.delete(0);
  return out;
}

/**
 * The rows of a /proc/net table, split into fields. With listenersOnly, stop at the first
 * row that is not LISTEN: the kernel lists listeners first, and walking its whole
 * connection hash costs milliseconds on a big host.
 */
function tableRows(file: string, listenersOnly: boolean): string[][] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  const rows: string[][] = [];
  const buf = Buffer.alloc(16 * 1024);
  let rest = '';
  let header = true;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        const f = line.trim().split(/\s+/);
        if (listenersOnly && f[3] !== TCP_LISTEN) return rows;
        rows.push(f);
      }
    }
  } catch {
    // the namespace went away mid-read: what we have is what there is
  } finally {
    closeSync(fd);
  }
  return rows;
}

export function unixListeners(): Listener[] {
  return tableRows('/proc/net/unix', false).flatMap((f): Listener[] => {
    if (f.length < 8 || !(parseInt(f[3] ?? '0', 16) & SO_ACCEPTCON)) return [];
    return [{ proto: 'unix', address: f.slice(7).join(' '), inode: Number(f[6]), uid: -1 }];
  });
}

/**
 * A unix socket's path with every symlink resolved, the last component's too (/var/run → /run);
 * the path itself when it cannot be resolved. For matching /proc/net/unix's addresses.
 */
export function realSocketPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

// /proc/net/tcp{,6} print each 32-bit word of the address in the kernel's byte order
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => {
    const b = word.match(/../g)!.map((x) => parseInt(x, 16));
    return endianness() === 'LE' ? b.reverse() : b;
  });
  return formatAddress(bytes);
}
