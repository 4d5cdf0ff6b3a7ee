// Run the built berth as a user would, and read its output as parsed lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStat } from '../../src/os/proc.js';
import { scratchDir } from './scratch.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BERTH = join(ROOT, 'bin/berth.js');
export const FIXTURES = join(ROOT, 'test/fixtures');
/**
 * The berth under test: this checkout's bin/berth.js run by this node, or the executable
 * BERTH_BIN names (.ci/run's second pass: BERTH_BIN=dist/sea/berth, with no node on PATH).
 */
export const BERTH_BIN = process.env.BERTH_BIN ? resolve(ROOT, process.env.BERTH_BIN) : undefined;
export const BERTH_COMMAND: readonly string[] = BERTH_BIN ? [BERTH_BIN] : [process.execPath, BERTH];
/** the tests' own Node programs run as berth's children with this, by path: no test relies on node being on PATH */
export const NODE = process.execPath;

let nodeDir: string | undefined;
/** PATH with this node on it as `node`, for services that are Node apps themselves */
export function withNode(path = process.env.PATH ?? ''): string {
  if (!nodeDir || !existsSync(nodeDir)) {
    nodeDir = scratchDir('berth-node-'); // removed when the test file ends
    symlinkSync(process.execPath, join(nodeDir, 'node'));
  }
  return `${nodeDir}:${path}`;
}

export type Line = Record<string, unknown> & { event?: string; msg?: string; service?: string; stream?: string };

export interface Berth {
  proc: ChildProcess;
  pid: number;
  /** every stdout line, parsed when it is JSON, else { raw } */
  lines: Line[];
  stderr(): string;
  stdoutText(): string;
  /** resolves with the first line (already seen or still to come) that matches */
  waitFor(pred: (l: Line) => boolean, timeoutMs?: number, what?: string): Promise<Line>;
  waitForEvent(event: string, extra?: Record<string, unknown>, timeoutMs?: number): Promise<Line>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  events(event: string): Line[];
  kill(sig?: NodeJS.Signals): void;
  /**
   * Kills what is left of the process group of a process berth started (a service, task or
   * job: its pid is its group's id), and nothing else: the pid was recorded with its start
   * time as soon as berth named it, because pid numbers are reused within one suite run
   * (pid_max 32768 wraps in minutes here), and a kill(-pid) of a reused number ends another
   * test's processes.
   */
  killGroup(pgid: number): void;
  /** SIGKILLs each of these pids that is still the process berth or its child's output named (see killGroup) */
  killOwn(pids: number[]): void;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** spawn wrapper, e.g. ['unshare', '--pid', '--fork', '--mount-proc'] */
  wrap?: string[];
  stdin?: 'ignore' | 'pipe';
  /** the berth script to run with node, e.g. one installed from the packed tarball (default: BERTH_COMMAND) */
  bin?: string;
  /** an executable berth, run as it is, e.g. the one a Dockerfile copies (default: BERTH_COMMAND) */
  exe?: string;
}

// A berth a test left running (it failed, or timed out) is stopped before the next
// test starts, so its services never outlive the suite.
const running = new Set<ChildProcess>();
afterEach(async () => {
  const left = [...running];
  running.clear();
  await Promise.all(
    left.map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          proc.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
    ),
  );
});

// Tests run in parallel (files, and worktrees beside this one): a berth that took the default
// /run/berth/ready would meet another test's live berth there and refuse to start. Each berth
// gets a ready file of its own unless the test names one (`BERTH_READY_FILE: undefined` lets
// a config's readyFile or the default through).
let readyDir: string | undefined;
let readyCount = 0;
function ownReadyFile(): string {
  if (readyDir === undefined || !existsSync(readyDir)) readyDir = scratchDir('berth-ready-'); // removed when the test file ends
  return join(readyDir, `ready-${++readyCount}`);
}

export function startBerth(args: string[], opts: StartOptions = {}): Berth {
  const argv = [...(opts.wrap ?? []), ...(opts.exe ? [opts.exe] : opts.bin ? [process.execPath, opts.bin] : BERTH_COMMAND), ...args];
  // a control socket of its own (berth ctl), unless the test chose one: tests run in parallel
  const control = opts.env && 'BERTH_CONTROL' in opts.env ? {} : { BERTH_CONTROL: ownControlSocket(switchedTo(opts.wrap)) };
  const proc = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', BERTH_LOG_FORMAT: undefined, BERTH_CONFIG: undefined, BERTH_READY_FILE: ownReadyFile(), ...control, ...opts.env } as NodeJS.ProcessEnv,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  const lines: Line[] = [];
  // pid → its start time, read when berth (or a child's line) first named it
  const started = new Map<number, number | undefined>();
  const note = (pid: number) => started.has(pid) || started.set(pid, processStat(pid)?.startTicks);
  const record = (l: Line) => {
    if (typeof l.pid === 'number' && l.pid > 0 && (/^(service|task|job)\.start$/.test(l.event ?? '') || l.stream)) note(l.pid);
    if (l.stream && typeof l.msg === 'string') for (const m of l.msg.matchAll(/\bpid (\d+)/g)) note(Number(m[1]));
  };
  const waiters = new Set<(l: Line) => void>();
  let out = '';
  let pending = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        line = { raw: text };
      }
      lines.push(line);
      record(line);
      waiters.forEach((w) => w(line));
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pred: (l: Line) => boolean, timeoutMs = 20_000, what = 'a matching line') =>
    new Promise<Line>((resolve, reject) => {
      const seen = lines.find(pred);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stdout:\n${out.slice(-4000)}\nstderr:\n${err.slice(-2000)}`));
      }, timeoutMs);
      const check = (l: Line) => {
        if (!pred(l)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(l);
      };
      waiters.add(check);
      void exited.then(() => {
        if (!waiters.has(check)) return;
        clearTimeout(timer);
        waiters.delete(check);
        reject(new Error(`berth exited before ${what}; stdout:\n${out.slice(-4000)}\nstderr:\n${err.slice(-2000)}`));
      });
    });
  return {
    proc,
    pid: proc.pid!,
    lines,
    stderr: () => err,
    stdoutText: () => out,
    waitFor,
    waitForEvent: (event, extra = {}, timeoutMs) =>
      waitFor((l) => l.event === event && Object.entries(extra).every(([k, v]) => l[k] === v), timeoutMs, `event ${event} ${JSON.stringify(extra)}`),
    exited,
    events: (event) => lines.filter((l) => l.event === event),
    kill: (sig = 'SIGTERM') => proc.kill(sig),
    killOwn(pids) {
      for (const pid of pids) {
        const now = processStat(pid)?.startTicks;
        if (now === undefined || now !== started.get(pid)) continue; // gone, or the number reused
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    },
    killGroup(pgid) {
      const leader = processStat(pgid);
      // a live leader that is not the process berth started: the number was reused. No
      // leader: the kernel keeps a pid while a group of that id lives, so the group is ours
      if (leader && (!started.has(pgid) || leader.startTicks !== started.get(pgid))) return;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone: the normal case
      }
    },
  };
}

/**
 * A fresh private directory's control.sock, removed when the test file ends. A berth run as
 * another user (wrap: setpriv --reuid) gets a directory of that user's: it could not create its
 * socket in one of the test runner's (0700), and berth refuses a directory another user owns.
 */
function ownControlSocket(owner?: { uid: number; gid: number }): string {
  const dir = scratchDir('berth-ctl-');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return join(dir, 'control.sock');
}

/** the uid and gid a wrap like ['setpriv', '--reuid=N', '--regid=M', …] runs berth as */
function switchedTo(wrap: string[] | undefined): { uid: number; gid: number } | undefined {
  const arg = (name: string) => wrap?.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const [uid, gid] = [arg('reuid'), arg('regid') ?? arg('reuid')];
  if (!uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined; // numeric ids only (what the tests use)
  return { uid: Number(uid), gid: Number(gid) };
}

/** Run berth to its end; fails the test if it takes longer than timeoutMs. */
export async function runBerth(args: string[], opts: StartOptions & { timeoutMs?: number } = {}) {
  const b = startBerth(args, opts);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    b.exited,
    new Promise<never>((_, reject) => (timer = setTimeout(() => {
      b.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout:\n${b.stdoutText().slice(-4000)}\nstderr:\n${b.stderr().slice(-2000)}`));
    }, timeoutMs))),
  ]);
  clearTimeout(timer);
  return { ...r, lines: b.lines, stdout: b.stdoutText(), stderr: b.stderr(), events: b.events };
}

export function tempDir(prefix = 'berth-test-'): { dir: string; write(name: string, body: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, body) {
      const p = join(dir, name);
      writeFileSync(p, body);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** true while a process with this pid exists and is not a zombie */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
