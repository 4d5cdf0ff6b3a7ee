// The only reader of /proc in berth: process trees, start times and listening sockets.
// Processes vanish between two reads all the time; that is a normal answer, never an error.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { endianness } from 'node:os';
import { formatAddress, loadSockDiag, type SockDiag, type TcpFamily } from './sock-diag.js';

/** What /proc/PID/stat says: cheap enough to read for every process. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  state: string; // R, S, D, Z, T …
  startTicks: number; // clock ticks after boot
}

export interface ProcessInfo extends ProcessStat {
  cmdline: string[]; // empty for zombies and kernel threads
}

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

// USER_HZ is 100 on every Linux ABI Node runs on; /proc reports start times in it
const TICKS_PER_SECOND = 100;
const TCP_LISTEN = '0A';
const SO_ACCEPTCON = 0x10000;

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // ENOENT, ESRCH, EACCES: gone or not ours to see
  }
};

/** /proc is mounted and readable (it is not on macOS, nor in some sandboxes). */
export function procAvailable(): boolean {
  return read('/proc/self/stat') !== undefined;
}

export function processStat(pid: number): ProcessStat | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const close = stat.lastIndexOf(')'); // comm may itself hold ")" and spaces
  const f = stat.slice(close + 2).split(' ');
  return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), state: f[0] ?? '?', ppid: Number(f[1]), pgrp: Number(f[2]), startTicks: Number(f[19]) };
}

export function processInfo(pid: number): ProcessInfo | undefined {
  const stat = processStat(pid);
  if (!stat) return undefined;
  const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').split('\0');
  if (cmdline.at(-1) === '') cmdline.pop();
  return { ...stat, cmdline: cmdline.length === 1 && cmdline[0] === '' ? [] : cmdline };
}

/** "php-fpm: master process (/etc/php-fpm.conf)", or [comm] when there is no cmdline */
export function commandOf(p: ProcessInfo): string {
  const cmd = p.cmdline.join(' ').trim();
  return (cmd || `[${p.comm}]`).slice(0, 300);
}

export function allPids(): number[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

export function allProcesses(): ProcessStat[] {
  return allPids().flatMap((pid) => processStat(pid) ?? []);
}

export function childrenOf(pid: number, all: ProcessStat[] = allProcesses()): number[] {
  return all.filter((p) => p.ppid === pid).map((p) => p.pid);
}

/** Every process below pid, breadth first; pid itself not included. */
export function descendants(pid: number, all: ProcessStat[] = allProcesses()): number[] {
  const out: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    const kids = queue.flatMap((p) => childrenOf(p, all));
    out.push(...kids);
    queue = kids;
  }
  return out;
}

export interface ProcessTree {
  available: boolean; // false: /proc could not be read, the list is empty
  processes: Array<ProcessInfo & { depth: number }>; // root first, then depth first
}

export function readProcessTree(rootPid: number): ProcessTree {
  if (!procAvailable()) return { available: false, processes: [] };
  const all = allProcesses();
  const out: ProcessTree['processes'] = [];
  const visit = (pid: number, depth: number) => {
    const p = all.some((x) => x.pid === pid) ? processInfo(pid) : undefined;
    if (!p || out.some((x) => x.pid === pid)) return;
    out.push({ ...p, depth });
    for (const c of childrenOf(pid, all)) visit(c, depth + 1);
  };
  visit(rootPid, 0);
  return { available: true, processes: out };
}

/** inode → fd for each socket pid holds; 'unreadable' when /proc hides its fds (another uid, no CAP_SYS_PTRACE). */
export function socketInodes(pid: number): Map<number, number> | 'unreadable' | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'unreadable' : undefined;
  }
  const out = new Map<number, number>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.set(Number(m[1]), Number(fd));
    } catch {
      // the fd closed between readdir and readlink
    }
  }
  return out;
}

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
 * A process tree followed across calls: each refresh lists /proc and reads only the
 * processes it has not seen, so polling a tree costs little even among many processes.
 */
export function trackTree(rootPid: number): { refresh(): number[] } {
  const parentOf = new Map<number, number>();
  return {
    refresh() {
      const live = new Set(allPids());
      for (const pid of parentOf.keys()) if (!live.has(pid)) parentOf.delete(pid);
      for (const pid of live) {
        if (parentOf.has(pid)) continue;
        const p = processStat(pid);
        if (p) parentOf.set(pid, p.ppid);
      }
      const tree = live.has(rootPid) ? [rootPid] : [];
      for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
      return tree;
    },
  };
}

export interface SocketsByPid {
  available: boolean;
  byPid: Map<number, OwnedListener[]>;
  /** pids whose fds /proc would not show: their sockets are unknown, not absent */
  unreadable: number[];
}

/** The sockets each of pids listens on (tcp, tcp6, unix), matched through socket inodes. */
export function listeningSockets(pids: number[], listeners: Listener[] = [...tcpListeners(), ...unixListeners()]): SocketsByPid {
  if (!procAvailable()) return { available: false, byPid: new Map(), unreadable: [] };
  const byInode = new Map(listeners.map((l) => [l.inode, l]));
  const byPid = new Map<number, OwnedListener[]>();
  const unreadable: number[] = [];
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (inodes === 'unreadable') unreadable.push(pid);
    if (!(inodes instanceof Map)) continue;
    const mine = [...inodes].flatMap(([inode, fd]) => {
      const l = byInode.get(inode);
      return l ? [{ ...l, pid, fd }] : [];
    });
    if (mine.length) byPid.set(pid, mine);
  }
  return { available: true, byPid, unreadable };
}

/** Who holds a listening socket on port, whatever process tree it is in. */
export function whoListensOn(port: number): { available: boolean; listeners: Array<OwnedListener & { process?: ProcessInfo }>; unowned: Listener[] } {
  if (!procAvailable()) return { available: false, listeners: [], unowned: [] };
  const onPort = tcpListeners(port);
  if (!onPort.length) return { available: true, listeners: [], unowned: [] };
  const found = listeningSockets(allPids(), onPort);
  const listeners = [...found.byPid.values()].flat().map((l) => ({ ...l, process: processInfo(l.pid) }));
  return { available: true, listeners, unowned: onPort.filter((l) => !listeners.some((o) => o.inode === l.inode)) };
}

export function processUid(pid: number): number | undefined {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? ''); // effective uid
  return m ? Number(m[1]) : undefined;
}

/** When the kernel booted, in ms since the epoch (/proc/stat btime). */
export function bootTimeMs(): number | undefined {
  const m = /^btime (\d+)$/m.exec(read('/proc/stat') ?? '');
  return m ? Number(m[1]) * 1000 : undefined;
}

/** When pid started, in ms since the epoch, at 10 ms resolution; undefined when it is gone or a zombie. */
export function processStartTime(pid: number): number | undefined {
  const p = processStat(pid);
  const boot = bootTimeMs();
  if (!p || p.state === 'Z' || boot === undefined || !Number.isFinite(p.startTicks)) return undefined;
  return boot + Math.round((p.startTicks * 1000) / TICKS_PER_SECOND);
}

/** The bound path as the probe would name it, following symlinked directories (/var/run → /run). */
export function canonicalPath(path: string): string {
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
