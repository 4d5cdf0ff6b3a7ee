// Does the service's process tree listen on the port? Read from the kernel without connecting.
// Through netlink the listener table costs ~0.05 ms, so it is read first and the tree's fds
// only once something listens on the port. From /proc/net/tcp{,6} it costs milliseconds, so
// it is read only when the tree holds a socket we cannot yet rule out.
import { processUid, trackTree } from '../../os/proc.js';
import { netlinkTcpListeners, procTcpListeners, settledSocketInodes, type Listener, type ListenerSource } from '../../os/net.js';
import { socketInodes } from '../../os/sockets.js';
import type { Outcome } from './retry.js';
import { monoMs } from '../../os/mono.js';

const TREE_EVERY_MS = 20;
type Tree = ReturnType<typeof trackTree>;
type Serves = (l: Listener) => boolean;

export function treeListenCheck(rootPid: number, port: number, serves: Serves, source: ListenerSource = {}): () => Outcome {
  const tree = paced(trackTree(rootPid));
  const viaProc = fdsFirst(tree, port, serves);
  let netlink = true;
  let looked = new Set<number>(); // listeners on the port already sought in a freshly listed tree
  return () => {
    const listeners = netlink ? netlinkTcpListeners(['tcp', 'tcp6'], source) : undefined;
    if (!listeners) {
      netlink = false; // it does not come back: see sock-diag.ts
      return viaProc();
    }
    const pids = tree.pids(); // kept current while we wait: listing a tree the first time costs ~1.5 ms
    const onPort = listeners.filter((l) => l.port === port && serves(l));
    if (onPort.length === 0) return 'poll';
    if (ownedByTree(onPort, pids)) return 'ready';
    // a new listener: the process that opened it may be a moment old, so look again in the tree as it is now
    if (onPort.every((l) => looked.has(l.inode))) return 'poll';
    looked = new Set(onPort.map((l) => l.inode));
    return ownedByTree(onPort, tree.pids(true)) ? 'ready' : 'poll';
  };
}

/** The tree's pids, listed again at most every TREE_EVERY_MS (~2 ms per 1000 processes), or now. */
function paced(tree: Tree): { pids(now?: boolean): number[] } {
  let pids: number[] = [];
  let listedAt = -Infinity;
  return {
    pids(now = false) {
      if (now || monoMs() - listedAt >= TREE_EVERY_MS) {
        pids = tree.refresh();
        listedAt = monoMs();
      }
      return pids;
    },
  };
}

/** Does a process of pids hold one of the listeners (or, where /proc hides its fds, share the owner's uid)? */
function ownedByTree(onPort: Listener[], pids: number[]): boolean {
  const wanted = new Set(onPort.map((l) => l.inode));
  const hidden: number[] = [];
  for (const pid of pids) {
    const s = socketInodes(pid);
    if (s === 'unreadable') hidden.push(pid);
    else if (s && [...s.keys()].some((i) => wanted.has(i))) return true;
  }
  return ownedByHidden(onPort, hidden, processUid);
}

/** Without netlink: the tree's fds every time, the costly /proc tables only for a socket not yet ruled out. */
function fdsFirst(tree: { pids(): number[] }, port: number, serves: Serves): () => Outcome {
  const ruledOut = new Set<number>(); // listening elsewhere, connected, udp, unix: never our listener
  const classified = new Set<number>(); // looked up in every socket table once already
  return () => {
    const inodes = new Set<number>();
    const hidden: number[] = [];
    for (const pid of tree.pids()) {
      const s = socketInodes(pid);
      if (s === 'unreadable') hidden.push(pid);
      else s?.forEach((_fd, inode) => inodes.add(inode));
    }
    const fresh = [...inodes].filter((i) => !ruledOut.has(i));
    if (fresh.length === 0 && hidden.length === 0) return 'poll'; // nothing that could be listening
    // tcp first: when the host has connections, its listener section is cheap to read; tcp6 only if still needed
    const listeners = procTcpListeners(['tcp']);
    const unresolved = () => fresh.some((i) => !listeners.some((l) => l.inode === i));
    if (unresolved() || hidden.length) listeners.push(...procTcpListeners(['tcp6']));
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
