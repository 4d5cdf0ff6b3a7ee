// Which process holds which listening socket: socket inodes from /proc/PID/fd matched
// against the listeners of net.ts.
import { readdirSync, readlinkSync } from 'node:fs';
import { allPids, procAvailable, processInfo, type ProcessInfo } from './proc.js';
import { tcpListeners, unixListeners, type Listener, type OwnedListener } from './net.js';

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
