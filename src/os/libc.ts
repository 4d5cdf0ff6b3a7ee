// The few C library calls Node has no API for, through koffi, loaded once on first use.
// loadLibc() returns undefined when koffi or the C library cannot load: the caller logs
// one warning (LIBC_MISSING_HINT) and goes on without reaping or terminal hand-over.
import { constants } from 'node:os';
import { bindLibc } from './koffi.js';

/** A failed call: errno as a number and its name (EPERM, ECHILD …). */
export interface CallError {
  errno: number;
  code: string;
}
export type CallResult<T> = { ok: true; value: T } | ({ ok: false } & CallError);

export interface WaitStatus {
  /** 0: the process has not exited yet (WNOHANG) */
  pid: number;
  exitCode?: number;
  signal?: string;
}

export interface Libc {
  /** waitpid(pid, &status, WNOHANG) */
  waitpidNoHang(pid: number): CallResult<WaitStatus>;
  /** waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT): a child that has exited (0: none), left unreaped */
  peekExited(): CallResult<number>;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1) */
  setChildSubreaper(): CallResult<void>;
  tcgetpgrp(fd: number): CallResult<number>;
  tcsetpgrp(fd: number, pgid: number): CallResult<void>;
  getpgrp(): number;
  setpgid(pid: number, pgid: number): CallResult<void>;
  /** signal(signo, SIG_IGN | SIG_DFL | a previous value); returns the previous disposition */
  setSignalDisposition(signal: NodeJS.Signals, disposition: Disposition): CallResult<Disposition>;
  /** fcntl(fd, F_SETFD, 0): let fd survive exec (Node marks 0-2 close-on-exec) */
  clearCloseOnExec(fd: number): CallResult<void>;
  /** sigprocmask(SIG_SETMASK, {}): unblock every signal before exec */
  unblockAllSignals(): CallResult<void>;
  /** execvp(file, argv): returns only when it failed */
  execvp(file: string, argv: string[]): CallError;
  /** pipe2(fds, O_CLOEXEC): [read end, write end] — a real pipe, unlike libuv's socketpairs */
  pipe(): CallResult<[number, number]>;
}

/** SIG_DFL is 0, SIG_IGN is 1; anything else is a handler's address, kept only to restore it. */
export type Disposition = bigint;
export const SIG_DFL: Disposition = 0n;
export const SIG_IGN: Disposition = 1n;

export const LIBC_MISSING_HINT =
  'cannot load the C library through koffi: zombies will not be reaped and the terminal stays with berth; run with docker run --init or tini';

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
const SIGINFO_BYTES = 128;
// si_pid follows si_signo, si_errno, si_code (and padding to 8 bytes on 64-bit)
const SI_PID_OFFSET = process.arch === 'arm' || process.arch === 'ia32' ? 12 : 16;
const F_SETFD = 2;
const O_CLOEXEC = 0o2000000;
const SIG_SETMASK = 2;
const SIGSET_BYTES = 128;

let loaded: { libc?: Libc; error?: string } | undefined;

/** The C library, or undefined (see libcLoadError for why). */
export function loadLibc(): Libc | undefined {
  loaded ??= tryLoad();
  return loaded.libc;
}

export function libcLoadError(): string | undefined {
  loadLibc();
  return loaded?.error;
}

function tryLoad(): { libc?: Libc; error?: string } {
  const r = bindLibc(bind);
  return { libc: r.value, error: r.error };
}

function bind(koffi: typeof import('koffi'), lib: import('koffi').LibraryHandle): Libc {
  const waitpid = lib.func('int waitpid(int pid, _Out_ int *status, int options)');
  const waitid = lib.func('int waitid(int idtype, int id, void *info, int options)');
  const siginfo = Buffer.alloc(SIGINFO_BYTES);
  const prctl = lib.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
  const tcgetpgrp = lib.func('int tcgetpgrp(int fd)');
  const tcsetpgrp = lib.func('int tcsetpgrp(int fd, int pgrp)');
  const getpgrp = lib.func('int getpgrp(void)');
  const setpgid = lib.func('int setpgid(int pid, int pgid)');
  // sighandler_t as an integer: only SIG_DFL, SIG_IGN and values signal() gave back pass through
  const signal = lib.func('intptr_t signal(int signum, intptr_t handler)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, ...)');
  const sigprocmask = lib.func('int sigprocmask(int how, const uint8_t *set, uint8_t *oldset)');
  const execvp = lib.func('int execvp(const char *file, const char **argv)');
  const pipe2 = lib.func('int pipe2(void *fds, int flags)');

  const fail = (): { ok: false } & CallError => ({ ok: false, ...lastError(koffi) });
  const unit = (rc: number): CallResult<void> => (rc === -1 ? fail() : { ok: true, value: undefined });

  return {
    waitpidNoHang(pid) {
      const status = [0];
      const rc = waitpid(pid, status, WNOHANG) as number;
      return rc === -1 ? fail() : { ok: true, value: decodeStatus(rc, status[0] ?? 0) };
    },
    peekExited() {
      siginfo.fill(0);
      const rc = waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG | WNOWAIT) as number;
      return rc === -1 ? fail() : { ok: true, value: siginfo.readInt32LE(SI_PID_OFFSET) };
    },
    setChildSubreaper: () => unit(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)),
    tcgetpgrp(fd) {
      const rc = tcgetpgrp(fd) as number;
      return rc === -1 ? fail() : { ok: true, value: rc };
    },
    tcsetpgrp: (fd, pgid) => unit(tcsetpgrp(fd, pgid)),
    getpgrp: () => getpgrp() as number,
    setpgid: (pid, pgid) => unit(setpgid(pid, pgid)),
    setSignalDisposition(name, disposition) {
      const prev = signal(constants.signals[name], disposition) as number | bigint;
      return BigInt(prev) === -1n ? fail() : { ok: true, value: BigInt(prev) };
    },
    clearCloseOnExec: (fd) => unit(fcntl(fd, F_SETFD, 'int', 0)),
    unblockAllSignals: () => unit(sigprocmask(SIG_SETMASK, Buffer.alloc(SIGSET_BYTES), null)),
    execvp(file, argv) {
      execvp(file, [...argv, null]);
      return lastError(koffi);
    },
    pipe() {
      const fds = Buffer.alloc(8);
      const rc = pipe2(fds, O_CLOEXEC) as number;
      return rc === -1 ? fail() : { ok: true, value: [fds.readInt32LE(0), fds.readInt32LE(4)] };
    },
  };
}

function lastError(koffi: typeof import('koffi')): CallError {
  const errno = koffi.errno();
  return { errno, code: errnoName(errno) };
}

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The wait status word as Node reports a child's end: an exit code or a signal name. */
export function decodeStatus(pid: number, status: number): WaitStatus {
  if (pid === 0) return { pid };
  const termSig = status & 0x7f;
  if (termSig === 0) return { pid, exitCode: (status >> 8) & 0xff };
  return { pid, signal: signalNames.get(termSig) ?? `SIG${termSig}` };
}

/**
 * The *at calls on a directory held open, for safe-path.ts where /proc is not mounted (it
 * names entries through /proc/self/fd otherwise). Every name is one component, relative to dirfd.
 */
export interface AtCalls {
  /** openat(dirfd, name, flags | O_CLOEXEC, mode): a descriptor Node's fs calls take */
  openat(dirfd: number, name: string, flags: number, mode: number): CallResult<number>;
  mkdirat(dirfd: number, name: string, mode: number): CallResult<void>;
  readlinkat(dirfd: number, name: string): CallResult<string>;
  /** renameat(dirfd, from, dirfd, to): within the one directory */
  renameat(dirfd: number, from: string, to: string): CallResult<void>;
  unlinkat(dirfd: number, name: string): CallResult<void>;
}

const PATH_MAX = 4096;
let atLoaded: { calls?: AtCalls; error?: string } | undefined;

/** The *at calls, or undefined (atCallsError says why). */
export function loadAtCalls(): AtCalls | undefined {
  atLoaded ??= (() => {
    const r = bindLibc(bindAt);
    return { calls: r.value, error: r.error };
  })();
  return atLoaded.calls;
}

export function atCallsError(): string | undefined {
  loadAtCalls();
  return atLoaded?.error;
}

function bindAt(koffi: typeof import('koffi'), lib: import('koffi').LibraryHandle): AtCalls {
  const openat = lib.func('int openat(int dirfd, const char *path, int flags, unsigned int mode)');
  const mkdirat = lib.func('int mkdirat(int dirfd, const char *path, unsigned int mode)');
  const readlinkat = lib.func('intptr_t readlinkat(int dirfd, const char *path, void *buf, size_t size)');
  const renameat = lib.func('int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)');
  const unlinkat = lib.func('int unlinkat(int dirfd, const char *path, int flags)');
  const link = Buffer.alloc(PATH_MAX);
  const fail = (): { ok: false } & CallError => ({ ok: false, ...lastError(koffi) });
  const unit = (rc: number): CallResult<void> => (rc === -1 ? fail() : { ok: true, value: undefined });
  return {
    openat(dirfd, name, flags, mode) {
      const fd = openat(dirfd, name, flags | O_CLOEXEC, mode) as number;
      return fd === -1 ? fail() : { ok: true, value: fd };
    },
    mkdirat: (dirfd, name, mode) => unit(mkdirat(dirfd, name, mode) as number),
    readlinkat(dirfd, name) {
      const n = Number(readlinkat(dirfd, name, link, link.length) as number | bigint);
      if (n === -1) return fail();
      if (n >= link.length) return { ok: false, errno: constants.errno.ENAMETOOLONG, code: 'ENAMETOOLONG' };
      return { ok: true, value: link.toString('utf8', 0, n) };
    },
    renameat: (dirfd, from, to) => unit(renameat(dirfd, from, dirfd, to) as number),
    unlinkat: (dirfd, name) => unit(unlinkat(dirfd, name, 0) as number),
  };
}
