// The process table from /proc: one process's stat and command line, trees of processes,
// start times. Processes vanish between two reads all the time; that is a normal answer,
// never an error. Sockets and their owners are in net.ts and sockets.ts.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { basename } from 'node:path';

/** What /proc/PID/stat says: cheap enough to read for every process. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string; // the process's name: the kernel's 15-character command name (see programName)
  state: string; // R, S, D, Z, T …
  startTicks: number; // clock ticks after boot
}

export interface ProcessInfo extends ProcessStat {
  cmdline: string[]; // empty for zombies and kernel threads
}

// USER_HZ is 100 on every Linux ABI Node runs on; /proc reports start times in it
const TICKS_PER_SECOND = 100;

/** A small /proc file whole, or undefined: ENOENT, ESRCH, EACCES mean gone or not ours to see. */
export function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const statBuffer = Buffer.alloc(4096);

/** One open, one read, one close: /proc files have no size for readFileSync to use. For the hot paths (the reaper). */
function readProcOnce(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return statBuffer.toString('utf8', 0, readSync(fd, statBuffer, 0, statBuffer.length, 0));
  } catch {
    return undefined; // the process is gone
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** /proc is mounted and readable (it is not on macOS, nor in some sandboxes). */
export function procAvailable(): boolean {
  return readProcOnce('/proc/self/stat') !== undefined;
}

/** "PID (COMM) STATE PPID PGRP …"; COMM may itself hold spaces and parentheses. */
export function parseStat(stat: string): ProcessStat | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = stat.slice(close + 2).split(' ');
  if (!f[0] || !f[1]) return undefined;
  return { pid: Number(stat.slice(0, open - 1)), comm: stat.slice(open + 1, close), state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), startTicks: Number(f[19]) };
}

export function processStat(pid: number | string, procRoot = '/proc'): ProcessStat | undefined {
  const stat = readProcOnce(`${procRoot}/${pid}/stat`);
  const p = stat === undefined ? undefined : parseStat(stat);
  if (p && RUNTIME_THREAD_NAMES.has(p.comm)) p.comm = programName(pid, procRoot) ?? p.comm;
  return p;
}

/**
 * comm is the main thread's name, and some runtimes name that thread for themselves: every
 * Node 24 process reads "MainThread" there, whatever it runs. Such a process is named from
 * its command line instead (argv[0]'s basename, cut to the 15 characters the kernel keeps,
 * as comm read before the runtime renamed it; process.title shows there too). A program that
 * names itself (prctl, /proc/self/comm: "my-worker") keeps its own name.
 */
const RUNTIME_THREAD_NAMES = new Set(['MainThread']);

function programName(pid: number | string, procRoot: string): string | undefined {
  const argv0 = readProcOnce(`${procRoot}/${pid}/cmdline`)?.split('\0', 1)[0];
  const name = argv0 ? basename(argv0) : undefined;
  return name ? name.slice(0, 15) : undefined; // a zombie has no command line: comm is all there is
}

export function processInfo(pid: number): ProcessInfo | undefined {
  const stat = processStat(pid);
  if (!stat) return undefined;
  const cmdline = (readProc(`/proc/${pid}/cmdline`) ?? '').split('\0');
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

/**
 * The children of ppid with their state and command. berth's own are read from
 * /proc/self/task/TID/children (a dozen small reads); anyone else's, or where the kernel
 * lacks those files, from a scan of every /proc/PID/stat. A process that vanishes while
 * being read is left out.
 */
export function listChildren(ppid: number, procRoot = '/proc'): ProcessStat[] {
  const own = ppid === process.pid && procRoot === '/proc' ? ownChildren() : undefined;
  if (own) return own;
  const children: ProcessStat[] = [];
  for (const name of readdirSync(procRoot)) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const entry = processStat(name, procRoot);
    if (entry?.ppid === ppid) children.push(entry);
  }
  return children;
}

/**
 * berth's own children from /proc/self/task/TID/children: the kernel lists a child under the
 * thread that forked or adopted it, so every thread's file is read. A dozen small reads
 * instead of every process's stat (a few ms on a busy host). undefined where the kernel has
 * no such file (CONFIG_PROC_CHILDREN), or the list does not fit one read: the caller scans.
 */
function ownChildren(): ProcessStat[] | undefined {
  let tasks: string[];
  try {
    // a /proc of another pid namespace (no --mount-proc) numbers processes differently
    if (readlinkSync('/proc/self') !== String(process.pid)) return undefined;
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const pids: string[] = [];
  for (const tid of tasks) {
    const list = readProcOnce(`/proc/self/task/${tid}/children`);
    if (list === undefined) {
      if (tid === String(process.pid)) return undefined; // no such file: the kernel lacks it
      continue; // a thread that ended meanwhile
    }
    if (list.length >= statBuffer.length) return undefined;
    for (const pid of list.split(' ')) if (/^\d+$/.test(pid)) pids.push(pid);
  }
  return pids.flatMap((pid) => processStat(pid) ?? []);
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

export function processUid(pid: number): number | undefined {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readProc(`/proc/${pid}/status`) ?? ''); // effective uid
  return m ? Number(m[1]) : undefined;
}

/** When the kernel booted, in ms since the epoch (/proc/stat btime). */
export function bootTimeMs(): number | undefined {
  const m = /^btime (\d+)$/m.exec(readProc('/proc/stat') ?? '');
  return m ? Number(m[1]) * 1000 : undefined;
}

/** When pid started, in ms since the epoch, at 10 ms resolution; undefined when it is gone or a zombie. */
export function processStartTime(pid: number): number | undefined {
  const p = processStat(pid);
  const boot = bootTimeMs();
  if (!p || p.state === 'Z' || boot === undefined || !Number.isFinite(p.startTicks)) return undefined;
  return boot + Math.round((p.startTicks * 1000) / TICKS_PER_SECOND);
}

/** The working directory of pid; undefined when it is gone or another user's (hidden). */
export function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** berth's own effective capabilities (CapEff of /proc/self/status); undefined when unreadable. */
export function ownCapabilities(): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readProc('/proc/self/status') ?? '');
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

const AT_PAGESZ = 6;

/** The page size from the kernel's auxiliary vector (/proc/self/auxv); undefined without /proc. */
export function pageSize(): number | undefined {
  let auxv: Buffer;
  try {
    auxv = readFileSync('/proc/self/auxv');
  } catch {
    return undefined;
  }
  for (let off = 0; off + 16 <= auxv.length; off += 16) if (auxv.readBigUInt64LE(off) === BigInt(AT_PAGESZ)) return Number(auxv.readBigUInt64LE(off + 8));
  return undefined;
}

/** berth's soft stack limit in bytes (/proc/self/limits): 'unlimited', or undefined without /proc. */
export function stackLimit(): number | 'unlimited' | undefined {
  const m = /^Max stack size\s+(\S+)/m.exec(readProc('/proc/self/limits') ?? '');
  if (!m) return undefined;
  return m[1] === 'unlimited' ? 'unlimited' : Number(m[1]);
}
