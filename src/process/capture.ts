// Short helper commands (php-fpm -tt, nginx -T, an exec probe, a liveness check): run to
// their end, in a process group of their own, their output captured.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants as fsConstants, fstatSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendSignal } from '../os/kill.js';
import { removeMade } from '../os/safe-path.js';
import { addChild, removeChild } from './children.js';

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
   * socketpairs fail that open (ENXIO). The files have no name once the command starts
   * (outputFiles). Falls back to pipes when no temp dir can be made.
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
    return await capture(argv, opts, files);
  } finally {
    files?.close();
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
    }
    // if berth dies before it ends, its group goes too (cli.ts)
    if (sub.pid !== undefined) addChild(sub.pid);
    sub.stdout?.on('data', (b: Buffer) => stdout.push(b));
    sub.stderr?.on('data', (b: Buffer) => stderr.push(b));
    const group = (sig: NodeJS.Signals) => sub.pid !== undefined && sendSignal(-sub.pid, sig);
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
      if (sub.pid !== undefined) removeChild(sub.pid);
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
  /** what the command wrote there, up to CAPTURE_LIMIT_BYTES */
  read(name: 'stdout' | 'stderr'): string;
  close(): void;
}

/**
 * Two files with no name: made in a fresh 0700 directory, opened (new files only, O_EXCL and
 * O_NOFOLLOW: nothing planted there is written through) and unlinked with their directory
 * before the command starts. The command writes through its copies of the descriptors, berth
 * reads through its own, and no path is looked up again: nothing is left in the temp dir
 * however berth ends, SIGKILL included. /proc/self/fd/2 opens an unlinked file as any other.
 */
const NAMES = ['stdout', 'stderr'];

function outputFiles(): OutputFiles | undefined {
  // appended: php-fpm reopens /proc/self/fd/2 with O_APPEND, and would otherwise write over its own lines
  const { O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW } = fsConstants;
  const fds: number[] = [];
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'berth-capture-'));
    for (const name of NAMES) fds.push(openSync(join(dir, name), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW, 0o600));
  } catch {
    fds.splice(0).forEach((fd) => closeSync(fd));
    return undefined;
  } finally {
    // before the command starts: unlink and rmdir, not rmSync (Node 20 loads its rimraf: a few ms)
    if (dir) removeMade(dir, NAMES);
  }
  const [stdout, stderr] = fds as [number, number];
  const read = (name: 'stdout' | 'stderr') => {
    try {
      const fd = name === 'stdout' ? stdout : stderr;
      const buf = Buffer.alloc(Math.min(fstatSync(fd).size, CAPTURE_LIMIT_BYTES));
      return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    } catch {
      return '';
    }
  };
  return { stdout, stderr, read, close: () => fds.splice(0).forEach((fd) => closeSync(fd)) };
}

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
 * One liveness check command (CONTRACT §9): in a process group of its own, so that past its
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
    if (sub.pid !== undefined) addChild(sub.pid); // if berth dies first, its group goes too
    let tail = Buffer.alloc(0);
    const keep = (b: Buffer) => (tail = Buffer.concat([tail, b]).subarray(-CHECK_TAIL_BYTES));
    sub.stdout!.on('data', keep);
    sub.stderr!.on('data', keep);
    let timedOut = false;
    const endGroup = () => sub.pid !== undefined && sendSignal(-sub.pid, 'SIGKILL');
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
    sub.once('exit', (code, signal) => {
      if (sub.pid !== undefined) removeChild(sub.pid);
      finish({ exitCode: code ?? undefined, signal: signal ?? undefined });
    });
  });
}
