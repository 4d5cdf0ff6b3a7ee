// The only place in berth that starts a long-running process: a task or a service.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { loadLibc } from '../os/libc.js';
import { sendSignal } from '../os/kill.js';
import { addChild, removeChild } from './children.js';
import type { ExitInfo } from './exit.js';
import { continueWhenStopped, lendTerminal } from '../pid1/tty.js';

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
  /** in the foreground: the terminal is its stdin only, stdout and stderr still go to the relay (secrets to mask) */
  maskOutput?: boolean;
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
  const relayed = !opts.passThrough && (!opts.foreground || opts.maskOutput === true);
  const pipes = relayed ? realPipes() : undefined;
  const [toOut, toErr] = pipes ? [pipes.stdout.write, pipes.stderr.write] : (['pipe', 'pipe'] as const);
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
      stdio: opts.foreground ? (relayed ? ['inherit', toOut, toErr] : 'inherit') : opts.passThrough ? ['ignore', 1, 2] : ['ignore', toOut, toErr],
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
      if (!leader) return sendSignal(pid, sig);
      // the launcher leads a group once it has called setpgid: until then, the pid alone
      return sendSignal(-pid, sig) || (launch !== undefined && !ended && sendSignal(pid, sig));
    },
  };
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
