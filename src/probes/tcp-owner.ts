// Does the service's process tree listen on the port? Read from /proc without connecting.
// The listener table is costly to read on a big host, so it is read only when the tree
// holds a socket we cannot yet rule out; the tree's fds are cheap and read every time.
import { processUid, settledSocketInodes, socketInodes, tcpListeners, trackTree, type Listener } from '../proc.js';
import type { Outcome } from './retry.js';

const TREE_EVERY_MS = 20;

export function treeListenCheck(rootPid: number, port: number, serves: (l: Listener) => boolean): () => Outcome {
  const tree = trackTree(rootPid);
  const ruledOut = new Set<number>(); // listening elsewhere, connected, udp, unix: never our listener
  const classified = new Set<number>(); // looked up in every socket table once already
  let pids: number[] = [];
  let listedAt = -Infinity;
  return () => {
    // listing /proc costs ~2 ms per 1000 processes: the tree's own fds are read every time, its membership less often
    if (performance.now() - listedAt >= TREE_EVERY_MS) {
      pids = tree.refresh();
      listedAt = performance.now();
    }
    const inodes = new Set<number>();
    const hidden: number[] = [];
    for (const pid of pids) {
      const s = socketInodes(pid);
      if (s === 'unreadable') hidden.push(pid);
      else s?.forEach((_fd, inode) => inodes.add(inode));
    }
    const fresh = [...inodes].filter((i) => !ruledOut.has(i));
    if (fresh.length === 0 && hidden.length === 0) return 'poll'; // nothing that could be listening
    // tcp first: when the host has connections, its listener section is cheap to read; tcp6 only if still needed
    const listeners = tcpListeners(undefined, ['tcp']);
    const unresolved = () => fresh.some((i) => !listeners.some((l) => l.inode === i));
    if (unresolved() || hidden.length) listeners.push(...tcpListeners(undefined, ['tcp6']));
    const onPort = listeners.filter((l) => l.port === port && serves(l));
    if (onPort.some((l) => inodes.has(l.inode)) || ownedByHidden(onPort, hidden, processUid)) return 'ready';
    for (const l of listeners) if (inodes.has(l.inode)) ruledOut.add(l.inode); // a listener never changes port
    const unknown = fresh.filter((i) => !ruledOut.has(i) && !classified.has(i));
    if (unknown.length) {
      const settled = settledSocketInodes();
      for (const i of unknown) {
        classified.add(i);
        if (settled.has(i)) ruledOut.add(i);
      }
    }
    return 'poll';
  };
}

/**
 * Where /proc hides a process's fds (another uid, and berth lacks CAP_SYS_PTRACE), the
 * socket's owner uid is the best evidence left that the tree holds it.
 */
export function ownedByHidden(onPort: Listener[], hidden: number[], uidOf: (pid: number) => number | undefined): boolean {
  const uids = new Set(hidden.map(uidOf));
  return onPort.some((l) => uids.has(l.uid));
}
