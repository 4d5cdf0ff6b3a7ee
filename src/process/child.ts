// The only place in berth that starts a process.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants as fsConstants, fstatSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { loadLibc } from '../os/libc.js';
import { addChild, removeChild } from './children.js';
import { continueWhenStopped, lendTerminal } from '../pid1/tty.js';

export interface Captured {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** spawn itself failed: ENOENT, EACCES … */
  spawnError?: string;
}

export interface CaptureOptions {
  cwd?: string;
  /** the whole environment; berth's own when absent */
  env?: Record<string, string>;
  /** SIGTERM after this long, SIGKILL 5 s later */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * stdout and stderr on files, not pipes: a program that opens /proc/self/fd/2 or /dev/stdout
   * (php-fpm's and nginx's official configs) can, as it can on Docker's pipes. libuv's
   * socketpairs fail that open (ENXIO). Falls back to pipes when no temp dir can be made.
   */
  files?: boolean;
}

const FORCE_KILL_AFTER_MS = 5000;
/** after the helper exited: how long output its leftovers hold open may still be read */
const CLOSE_GRACE_MS = 200;
/** kept of each stream of a helper's output; the rest is dropped (nginx -T of a large config fits) */
export const CAPTURE_LIMIT_BYTES = 4 << 20;

/**
 * Run a short helper command (php-fpm -tt, nginx -T, an exec probe) and capture its output.
 * It runs in a process group of its own; when it exits, or is timed out or aborted, the
 * whole group is killed, and its result never waits for a process it left holding its
 * output: a probe's `sleep 25 &` cannot outlive the probe nor the readyTimeout it serves.
 * node:child_process, not execa: loading execa cost more than the command it ran.
 */
export async function captureCommand(argv: string[], opts: CaptureOptions = {}): Promise<Captured> {
  const files = opts.files ? outputFiles() : undefined;
  try {
    const r = await capture(argv, opts, files);
    return r;
  } finally {
    files?.remove();
  }
}

function capture(argv: string[], opts: CaptureOptions, files: OutputFiles | undefined): Promise<Captured> {
  const [file, ...args] = argv;
  const stdio: StdioOptions = files ? ['ignore', files.stdout, files.stderr] : ['ignore', 'pipe', 'pipe'];
  const stdout = boundedBuffer(CAPTURE_LIMIT_BYTES);
  const stderr = boundedBuffer(CAPTURE_LIMIT_BYTES);
  return new Promise((resolve) => {
    let sub: ChildProcess;
    try {
      sub = spawn(file!, args, { cwd: opts.cwd, env: opts.env, stdio, windowsHide: true, detached: true });
    } catch (err) {
      resolve({ exitCode: undefined, signal: undefined, stdout: '', stderr: '', spawnError: (err as NodeJS.ErrnoException).code ?? String(err) });
      return;
    } finally {
      files?.closeOurs();
    }
    sub.stdout?.on('data', (b: Buffer) => stdout.push(b));
    sub.stderr?.on('data', (b: Buffer) => stderr.push(b));
    const group = (sig: NodeJS.Signals) => sub.pid !== undefined && kill(-sub.pid, sig);
    let force: NodeJS.Timeout | undefined;
    let exited = false;
    const stop = () => {
      if (exited || force) return;
      group('SIGTERM');
      force = setTimeout(() => group('SIGKILL'), FORCE_KILL_AFTER_MS);
    };
    // its result is no longer wanted: no grace
    const abort = () => (exited ? undefined : group('SIGKILL'));
    const timer = opts.timeoutMs ? setTimeout(stop, opts.timeoutMs) : undefined;
    opts.signal?.addEventListener('abort', abort, { once: true });
    if (opts.signal?.aborted) abort();
    let settled = false;
    const finish = (r: () => Captured) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(force);
      opts.signal?.removeEventListener('abort', abort);
      resolve(r());
    };
    sub.on('error', (err: NodeJS.ErrnoException) => {
      if (sub.pid === undefined) finish(() => ({ exitCode: undefined, signal: undefined, stdout: '', stderr: '', spawnError: err.code ?? err.message }));
    });
    sub.once('exit', (code, signal) => {
      exited = true;
      group('SIGKILL'); // what it left in its group goes with it
      if (files) return done(code, signal);
      // what it wrote before exiting is read; a process in a session of its own holding the pipes is not waited for
      const grace = setTimeout(() => {
        sub.stdout?.destroy();
        sub.stderr?.destroy();
        done(code, signal);
      }, CLOSE_GRACE_MS);
      sub.once('close', () => {
        clearTimeout(grace);
        done(code, signal);
      });
    });
    const done = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(() => ({
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        stdout: files ? files.read('stdout') : stdout.text(),
        stderr: files ? files.read('stderr') : stderr.text(),
      }));
  });
}

/** Keeps the first limit bytes pushed into it. */
function boundedBuffer(limit: number) {
  const parts: Buffer[] = [];
  let size = 0;
  return {
    push(b: Buffer) {
      if (size >= limit) return;
      const kept = b.length > limit - size ? b.subarray(0, limit - size) : b;
      parts.push(kept);
      size += kept.length;
    },
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

interface OutputFiles {
  stdout: number;
  stderr: number;
  /** after spawn: the child has its own copies */
  closeOurs(): void;
  read(name: 'stdout' | 'stderr'): string;
  remove(): void;
}

function outputFiles(): OutputFiles | undefined {
  let dir: string | undefined;
  const fds: number[] = [];
  const closeOurs = () => fds.splice(0).forEach((fd) => closeSync(fd));
  // two files and their directory: unlink and rmdir, not rmSync (Node 20 loads its rimraf: a few ms)
  const remove = () => {
    closeOurs();
    if (!dir) return;
    try {
      for (const name of ['stdout', 'stderr']) unlinkSync(join(dir, name));
      rmdirSync(dir);
    } catch {
      // left in the temp dir: not worth failing a check for
    }
  };
  try {
    dir = mkdtempSync(join(tmpdir(), 'berth-capture-'));
    // appended: php-fpm reopens /proc/self/fd/2 with O_APPEND, and would otherwise write over its own lines
    // new files only (O_EXCL, O_NOFOLLOW): nothing planted in the fresh 0700 directory is written through
    const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW } = fsConstants;
    for (const name of ['stdout', 'stderr']) fds.push(openSync(join(dir, name), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW, 0o600));
  } catch {
    remove();
    return undefined;
  }
  const [stdout, stderr] = fds as [number, number];
  const read = (name: 'stdout' | 'stderr') => {
    let fd: number | undefined;
    try {
      fd = openSync(join(dir!, name), 'r');
      const buf = Buffer.alloc(Math.min(fstatSync(fd).size, CAPTURE_LIMIT_BYTES));
      return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
  return { stdout, stderr, closeOurs, read, remove };
}

export interface ExitInfo {
  /** exit code, or undefined when ended by a signal or never started */
  code: number | undefined;
  signal: NodeJS.Signals | undefined;
  /** spawn failed: 'ENOENT', 'EACCES' … (the process never ran) */
  spawnError?: string;
}

export interface Child {
  pid: number;
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  exited: Promise<ExitInfo>;
  /** send a signal to the child's whole process group; false when it is gone */
  signalGroup(sig: NodeJS.Signals | number): boolean;
  /** the inodes of its stdout and stderr pipes (empty without real pipes): who else holds them is in /proc */
  outputInodes: number[];
}

export interface SpawnOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** own the terminal (docker run -it): stdio inherited, not a new session */
  foreground?: Foreground;
  /** raw logs with nothing to mask or read: the child writes to berth's own stdout and stderr */
  passThrough?: boolean;
}

/** How to run a command through berth's hidden verb (cli.ts): its argv prefix and its env. */
export interface Launcher {
  argv: string[];
  /** the env for the launcher's own Node, from the command's (NODE_OPTIONS set aside) */
  env(env: Record<string, string>): Record<string, string>;
}

export interface Foreground {
  launcher: Launcher;
  /** Ctrl-Z stopped the service, which is no shell: berth continues it */
  onStopped?(pid: number): void;
  /** the terminal stays where it is (berth is not in the foreground, or has none): why */
  onKept?(reason: string): void;
}

export { isOwnChild, liveChildren } from './children.js';

/**
 * Start one process in its own process group (a new session), stdout and stderr
 * piped for the relay; or, in the foreground, in its own group in berth's session with
 * the terminal. Resolves `exited` on the process's own exit, not when its
 * pipes close: a daemonized grandchild may hold them open for ever.
 */
export function spawnChild(opts: SpawnOptions): Child | { spawnError: string } {
  // In the foreground the command runs through the launcher (cli.ts), which puts itself
  // in a process group of its own, takes the terminal from berth's group and execs it,
  // so the service never runs without the terminal. Without the C library there is no
  // launcher: the service shares berth's group and terminal (loadPid1 warned).
  const launch = opts.foreground && loadLibc() ? opts.foreground : undefined;
  const lent = launch ? lendTerminal() : undefined;
  if (lent && !lent.ok) launch?.onKept?.(lent.code);
  const takeBack = lent?.ok ? lent.value : () => {};
  const [file, ...args] = launch ? [...launch.launcher.argv, ...opts.argv] : opts.argv;
  const pipes = opts.foreground || opts.passThrough ? undefined : realPipes();
  let sub;
  try {
    // node:child_process, not execa, for the long-running children: execa alone costs
    // half of Node's own start-up (bench/startup.mjs), and these need none of its extras
    sub = spawn(file!, args, {
      cwd: opts.cwd,
      env: launch ? launch.launcher.env(opts.env) : opts.env,
      uid: opts.uid,
      gid: opts.gid,
      detached: !opts.foreground,
      stdio: opts.foreground ? 'inherit' : opts.passThrough ? ['ignore', 1, 2] : pipes ? ['ignore', pipes.stdout.write, pipes.stderr.write] : ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (err) {
    pipes?.close();
    takeBack();
    return { spawnError: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  const streams = pipes?.open() ?? { stdout: sub.stdout, stderr: sub.stderr };
  const pid = sub.pid;
  // Ctrl-Z: a shell handles it, anything else stops with no prompt to return to
  let ended = false;
  const stopWatch = lent?.ok && pid !== undefined && launch?.onStopped ? continueWhenStopped(pid, launch.onStopped) : () => {};
  const exited = new Promise<ExitInfo>((resolve) => {
    sub.once('error', (err: NodeJS.ErrnoException) => {
      if (pid === undefined) resolve({ code: undefined, signal: undefined, spawnError: err.code ?? err.message });
    });
    sub.once('exit', (code, signal) => {
      ended = true;
      if (pid !== undefined) removeChild(pid);
      stopWatch();
      takeBack();
      resolve({ code: code ?? undefined, signal: signal ?? undefined });
    });
  });
  if (pid === undefined) {
    takeBack();
    streams.stdout?.destroy();
    streams.stderr?.destroy();
    return {
      pid: -1,
      stdout: null,
      stderr: null,
      exited,
      signalGroup: () => false,
      outputInodes: [],
    };
  }
  addChild(pid);
  const leader = !opts.foreground || launch !== undefined;
  return {
    pid,
    stdout: streams.stdout,
    stderr: streams.stderr,
    exited,
    outputInodes: pipes?.inodes ?? [],
    signalGroup(sig) {
      if (!leader) return kill(pid, sig);
      // the launcher leads a group once it has called setpgid: until then, the pid alone
      return kill(-pid, sig) || (launch !== undefined && !ended && kill(pid, sig));
    },
  };
}

function kill(pid: number, sig: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // ESRCH: already gone, a harmless race
  }
}

/** Exit status in the shell's convention: the code, or 128 + signal number. */
export function exitStatus(info: ExitInfo): number {
  if (info.spawnError === 'ENOENT') return 127;
  if (info.spawnError) return 126;
  if (info.code !== undefined) return info.code;
  if (info.signal) return 128 + (signalNumber(info.signal) ?? 0);
  return 1;
}

export function signalNumber(sig: NodeJS.Signals | string): number | undefined {
  return (osConstants.signals as Record<string, number>)[sig];
}

/**
 * Real pipes for a child's stdout and stderr. libuv hands children socketpairs, on
 * which open("/dev/stdout") and open("/proc/self/fd/2") fail with ENXIO, and the
 * official php-fpm and nginx images log exactly there; Docker gives real pipes.
 */
function realPipes() {
  const libc = loadLibc();
  const out = libc?.pipe();
  const err = out?.ok ? libc!.pipe() : undefined;
  if (!out?.ok || !err?.ok) {
    if (out?.ok) out.value.forEach((fd) => closeSync(fd));
    return undefined; // no libc: libuv's socketpairs still carry the output
  }
  const [outRead, outWrite] = out.value;
  const [errRead, errWrite] = err.value;
  return {
    inodes: [fstatSync(outRead).ino, fstatSync(errRead).ino],
    stdout: { write: outWrite },
    stderr: { write: errWrite },
    /** after spawn: the child has its ends; ours become readable streams */
    open() {
      closeSync(outWrite);
      closeSync(errWrite);
      return { stdout: readEnd(outRead), stderr: readEnd(errRead) };
    },
    close() {
      for (const fd of [outRead, outWrite, errRead, errWrite]) closeSync(fd);
    },
  };
}

const readEnd = (fd: number) => new Socket({ fd, readable: true, writable: false });

export interface CheckRun {
  exitCode: number | undefined;
  signal: string | undefined;
  /** the last bytes of its output, for a report */
  tail: string;
  timedOut: boolean;
  spawnError?: string;
}

const CHECK_TAIL_BYTES = 1024;

/**
 * One liveness check command (DESIGN §9): in a process group of its own, so that past its
 * timeout, or once it has exited, the whole group is ended and nothing it started is left behind.
 */
export function runCheckCommand(argv: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<CheckRun> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    let sub: ChildProcess;
    try {
      sub = spawn(file!, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, windowsHide: true });
    } catch (err) {
      return resolve({ exitCode: undefined, signal: undefined, tail: '', timedOut: false, spawnError: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
    let tail = Buffer.alloc(0);
    const keep = (b: Buffer) => (tail = Buffer.concat([tail, b]).subarray(-CHECK_TAIL_BYTES));
    sub.stdout!.on('data', keep);
    sub.stderr!.on('data', keep);
    let timedOut = false;
    const endGroup = () => sub.pid !== undefined && kill(-sub.pid, 'SIGKILL');
    const onTimeout = () => {
      timedOut = true;
      endGroup();
    };
    const timer = setTimeout(onTimeout, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onTimeout, { once: true });
    const finish = (r: Omit<CheckRun, 'tail' | 'timedOut'>) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onTimeout);
      endGroup(); // `sleep 60 &` in a check must not outlive it
      sub.stdout!.destroy();
      sub.stderr!.destroy();
      resolve({ ...r, tail: tail.toString('utf8'), timedOut });
    };
    sub.once('error', (err: NodeJS.ErrnoException) => {
      if (sub.pid === undefined) finish({ exitCode: undefined, signal: undefined, spawnError: err.code ?? err.message });
    });
    sub.once('exit', (code, signal) => finish({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
}
