// Shared by the benchmarks: timing, percentiles, and a markdown table.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';

// A berth a benchmark starts must not write the machine's /dev/termination-log (as root,
// /dev is writable and that is the default): every benchmark imports this file first.
process.env.BERTH_TERMINATION_LOG ??= 'false';

export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const median = (xs) => percentile(xs, 50);

/** wall time of one run of argv, in ms */
export function timeRun(argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return ms;
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * xs in a new order for each round, the same order for the same round in every run (a
 * seeded shuffle). A rotation keeps each case right after the same other one, so whatever a
 * case leaves behind (a stack still stopping, a cache it rewrote) always falls on the same next.
 */
export function shuffled(xs, round) {
  let seed = (round + 1) * 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A random first port of `span` ports for servers a benchmark starts, below the range the
 * kernel picks outgoing connections' local ports from (ip_local_port_range). A port in that
 * range can be taken, between the check that it is free and the server's bind(), by a client
 * connection as its local port (one polling it before anyone listens can even be given that
 * very port and connect to itself), and the bind fails (nginx: Address already in use).
 */
export function serverPort(span = 1) {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux's /proc: its default
  }
  const top = Math.max(Math.min(low, 32768) - span, 10001);
  return 10000 + Math.floor(Math.random() * (top - 10000));
}

export const fmt = (x, digits = 1) => (typeof x === 'number' ? x.toFixed(digits) : String(x));

// ---- processes a benchmark starts: the common clock, /proc readings, and cleanup ----
// (used by bench/relay-peers.mjs, bench/signals.mjs, bench/memory.mjs)

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** ms since the epoch on a clock every Node process shares (performance.timeOrigin + now) */
export const epochMs = () => performance.timeOrigin + performance.now();

const readProc = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** VmRSS and VmHWM (peak RSS) of pid in KiB, from /proc/PID/status; undefined once it is gone (or a zombie) */
export function memKiB(pid) {
  const s = readProc(`/proc/${pid}/status`);
  if (!s) return undefined;
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  const m = { rss: field('VmRSS'), hwm: field('VmHWM') };
  return Number.isNaN(m.rss) ? undefined : m; // a zombie has no memory lines
}

/** every live descendant of pid (children before grandchildren), from the ppid in /proc/PID/stat */
export function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProc(`/proc/${name}/stat`);
    if (!s) continue;
    const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  for (let queue = [pid]; queue.length; ) for (const c of children.get(queue.shift()) ?? []) out.push(c), queue.push(c);
  return out;
}

/** signals pid and everything below it, collected first, so that no orphan is missed */
export function killTree(pid, signal = 'SIGKILL') {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, signal);
    } catch {}
  }
}

const tracked = new Set();
let hooked = false;
/** SIGKILLs the tree of every process started with spawnTracked that may still be alive */
export function killAllTracked() {
  for (const child of tracked) if (child.pid) killTree(child.pid);
  tracked.clear();
}

/**
 * child_process.spawn, remembered: killAllTracked() — and the benchmark's own exit, Ctrl-C
 * or an uncaught error — ends its whole tree, grandchildren included.
 */
export function spawnTracked(file, args, opts) {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAllTracked);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => (killAllTracked(), process.exit(130)));
  }
  const child = spawn(file, args, opts);
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** resolves with child's exit code, or rejects after ms naming what never happened */
export function exitOf(child, ms, what = 'exit') {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    child.once('exit', (code, sig) => (clearTimeout(timer), resolve(code ?? sig)));
  });
}

/**
 * Moves this process (and so all it starts from now on) into a new cgroup-v1 cpu group, as
 * Docker puts a container in one. Besides: the kernel's autogroup (per-session scheduling,
 * /proc/sys/kernel/sched_autogroup_enabled) applies only in the root group, and would
 * otherwise treat every process that starts a session (berth's services, dumb-init's child)
 * as a separate scheduling group. Returns the function that leaves and removes the group,
 * also called at exit; undefined where there is no such controller or no permission.
 */
export function enterCpuGroup(shares = 1024, root = '/sys/fs/cgroup/cpu') {
  const dir = `${root}/berth-bench-${process.pid}`;
  try {
    readFileSync(`${root}/cpu.shares`);
    mkdirSync(dir);
    writeFileSync(`${dir}/cpu.shares`, String(shares));
    writeFileSync(`${dir}/cgroup.procs`, String(process.pid));
  } catch {
    try {
      rmdirSync(dir);
    } catch {}
    return undefined;
  }
  const leave = () => {
    process.off('exit', leave);
    killAllTracked(); // a group with live processes cannot be removed
    try {
      writeFileSync(`${root}/cgroup.procs`, String(process.pid));
    } catch {}
    for (let i = 0; i < 50; i++) {
      try {
        return void rmdirSync(dir);
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a child not yet reaped
      }
    }
  };
  process.on('exit', leave);
  return leave;
}
