// Reaps the zombies berth did not spawn. libuv reaps its own children with waitpid(pid)
// on SIGCHLD and must keep doing so, so berth never calls waitpid(-1): it looks at each
// exited child first (waitid WNOWAIT, or /proc) and waits only for the orphans, by pid.
import { LIBC_MISSING_HINT, libcLoadError, loadLibc, type Libc } from '../os/libc.js';
import { sendSignal } from '../os/kill.js';
import { listChildren, processStat } from '../os/proc.js';
import type { Pid1 } from './index.js';
import type { EventLog } from '../types.js';

export interface Reaper {
  stop(): void;
  /** live processes re-parented to berth that it did not spawn; with zombies: those not reaped yet too */
  adopted(opts?: { zombies?: boolean }): number[];
  /** calls fn after every scan; returns its remover */
  onScan(fn: () => void): () => void;
}

export interface ReaperOptions {
  log: EventLog;
  /** true for every pid berth spawned: libuv reaps those */
  isOwnChild: (pid: number) => boolean;
  /** read each orphan's command for the `reaped` line (one /proc read each); default true */
  commands?: boolean;
  libc?: Libc;
}

/** Reap orphaned zombies on SIGCHLD. undefined when the C library could not load. */
export function startReaper(opts: ReaperOptions): Reaper | undefined {
  const libc = opts.libc ?? loadLibc();
  if (!libc) return undefined;
  const self = process.pid;
  const listeners = new Set<() => void>();
  let scheduled = false;
  let stopped = false;

  const scan = (): void => {
    scheduled = false;
    if (stopped) return;
    reapExited(libc, ownedBy(opts.isOwnChild), opts);
    for (const fn of [...listeners]) fn();
  };
  // SIGCHLDs coalesce: one scan is pending at most, and a SIGCHLD that lands while a
  // scan runs is handled after it, so it schedules the next one.
  const onSigchld = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(scan);
  };

  process.on('SIGCHLD', onSigchld);
  onSigchld(); // zombies from before berth listened
  return {
    stop() {
      stopped = true;
      process.off('SIGCHLD', onSigchld);
    },
    adopted({ zombies = false } = {}) {
      const owned = ownedBy(opts.isOwnChild);
      // a child that berth did not spawn can only have been re-parented to it
      return listChildren(self)
        .filter((c) => (zombies || (c.state !== 'Z' && c.state !== 'X')) && !owned(c.pid))
        .map((c) => c.pid);
    },
    onScan(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/**
 * Peeks at the next exited child (waitid WNOWAIT: left unreaped) and reaps it by pid
 * unless berth spawned it: a cost per zombie, not per process in /proc. When libuv's own
 * zombie is next in line, peeking cannot see past it: /proc finds the rest.
 */
function reapExited(libc: Libc, owned: (pid: number) => boolean, opts: ReaperOptions): void {
  for (;;) {
    const next = libc.peekExited();
    if (!next.ok || next.value === 0) return; // ECHILD: no children at all
    const pid = next.value;
    const command = owned(pid) || opts.commands === false ? undefined : commandOf(pid);
    if (owned(pid) || !reap(libc, pid, command, opts.log)) break;
  }
  for (const child of listChildren(process.pid)) {
    if (child.state === 'Z' && !owned(child.pid)) reap(libc, child.pid, child.comm, opts.log);
  }
}

function reap(libc: Libc, pid: number, command: string | undefined, log: EventLog): boolean {
  const r = libc.waitpidNoHang(pid);
  // pid 0: a thread-group leader whose other threads still run; its SIGCHLD comes later
  if (!r.ok || r.value.pid === 0) return false;
  const { exitCode, signal } = r.value;
  log.debug('reaped', { pid, command, exitCode, signal }, `reaped orphan ${pid} (${command ?? '?'})`);
  return true;
}

function commandOf(pid: number): string | undefined {
  return processStat(pid)?.comm;
}

/**
 * isOwnChild, backed by the child processes Node itself still tracks: a pid spawned
 * outside child.ts (a library's spawn) must never be reaped behind libuv's back either.
 */
function ownedBy(isOwnChild: (pid: number) => boolean): (pid: number) => boolean {
  let node: Set<number> | undefined; // read once a scan, and only when a zombie is found
  return (pid) => isOwnChild(pid) || (node ??= nodeChildPids()).has(pid);
}

type HandleList = () => Array<{ pid?: unknown }>;

function nodeChildPids(): Set<number> {
  // an internal but long-stable API: ref'd handles, ChildProcess ones carry their pid
  const handles = (process as unknown as { _getActiveHandles?: HandleList })._getActiveHandles?.() ?? [];
  return new Set(handles.flatMap((h) => (typeof h?.pid === 'number' ? [h.pid] : [])));
}

/** prctl(PR_SET_CHILD_SUBREAPER): orphans come back to berth when it is not PID 1. */
export function becomeSubreaper(libc: Libc | undefined = loadLibc()): boolean {
  if (process.pid === 1) return true;
  return libc?.setChildSubreaper().ok ?? false;
}

/**
 * PID 1 duties for the supervisor (src/pid1/index.ts). undefined, after one warning, when
 * the C library cannot load.
 */
export function loadPid1(log: EventLog, opts: { commands?: boolean } = {}): Pid1 | undefined {
  const libc = loadLibc();
  if (!libc) {
    log.warn('pid1.unavailable', { reason: libcLoadError() }, LIBC_MISSING_HINT);
    return undefined;
  }
  return {
    start(session) {
      if (!becomeSubreaper(libc)) {
        session.log.warn('pid1.subreaper', { pid: process.pid }, 'could not become a child subreaper: daemonized descendants will not be ended at shutdown');
      }
      const reaper = startReaper({ ...session, commands: opts.commands, libc })!;
      return { stop: reaper.stop, adopted: reaper.adopted, endAdopted: (ms) => endAdopted(reaper, ms) };
    },
  };
}

/**
 * SIGTERM every adopted process (and those adopted meanwhile), SIGKILL what is left after
 * ms. Done once each is reaped, not merely dead: its `reaped` line says how it ended.
 */
export async function endAdopted(reaper: Reaper, ms: number): Promise<void> {
  const termed = new Set<number>();
  const termNew = (): boolean => {
    for (const pid of reaper.adopted().filter((p) => !termed.has(p))) {
      termed.add(pid);
      sendSignal(pid, 'SIGTERM');
    }
    return reaper.adopted({ zombies: true }).length === 0;
  };
  if (await settled(reaper, termNew, ms)) return;
  for (const pid of reaper.adopted()) sendSignal(pid, 'SIGKILL');
  await settled(reaper, () => reaper.adopted({ zombies: true }).length === 0, KILL_GRACE_MS);
}

const KILL_GRACE_MS = 1_000;

/** Resolves true once done() holds after a scan, false after ms. */
function settled(reaper: Reaper, done: () => boolean, ms: number): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      off();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(done()), ms);
    const off = reaper.onScan(() => {
      if (done()) finish(true);
    });
  });
}
