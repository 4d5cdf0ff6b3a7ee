// /proc and cgroup helpers for the head-to-head harness: where every process it starts is
// kept (a pids cgroup per launch, so that orphans — php-fpm workers whose master was
// SIGKILLed — can still be found and ended), and what each process costs (RSS, CPU ticks).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** a live process (a zombie is not) */
export const alive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  const s = read(`/proc/${pid}/stat`);
  return s !== undefined && !/^\S+ \(.*\) [ZX] /s.test(s);
};

/** /proc/PID/stat, parsed past the command (which may hold spaces and parentheses) */
export function stat(pid) {
  const s = read(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const close = s.lastIndexOf(')');
  const f = s.slice(close + 2).split(' '); // f[0] is field 3 (state)
  return {
    pid,
    comm: s.slice(s.indexOf('(') + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    starttime: Number(f[19]),
  };
}

export const cmdline = (pid) => (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');

/** VmRSS in KiB (0 when gone or a zombie) */
export function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

/** PSS in KiB: shared pages divided among the processes that share them */
export function pssKiB(pid) {
  const m = /^Pss:\s+(\d+)\s+kB/m.exec(read(`/proc/${pid}/smaps_rollup`) ?? '');
  return m ? Number(m[1]) : 0;
}

/** utime + stime in clock ticks */
export function cpuTicks(pid) {
  const s = stat(pid);
  return s ? s.utime + s.stime : 0;
}

/** every live descendant of pid, from /proc/PID/task/TID/children */
export function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      for (const c of (read(`/proc/${p}/task/${t}/children`) ?? '').split(' ').filter(Boolean).map(Number)) {
        out.push(c);
        queue.push(c);
      }
    }
  }
  return out;
}

// ---- containment: one pids cgroup (v1) per launch, or a remembered set of descendants ----

const CGROUP_ROOT = '/sys/fs/cgroup/pids';
const PREFIX = 'berth-h2h-';

function cgroupUsable() {
  try {
    if (!existsSync(join(CGROUP_ROOT, 'cgroup.procs'))) return false;
    const probe = join(CGROUP_ROOT, `${PREFIX}${process.pid}-probe`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}
export const CGROUPS = cgroupUsable();

/**
 * A place to keep everything one launch starts. With cgroups the launch is wrapped in
 * `sh -c 'echo $$ > cgroup.procs; exec "$@"'`, so the supervisor is in the cgroup before it
 * runs its first instruction and nothing it forks can leave. Without, the harness
 * remembers every descendant it has seen (sampled), which misses only a process that is
 * born and orphaned between two samples.
 */
export class Jail {
  static all = new Set();
  constructor(name) {
    this.name = name;
    this.seen = new Map(); // pid -> starttime, for the fallback
    this.root = undefined;
    if (CGROUPS) {
      this.dir = join(CGROUP_ROOT, `${PREFIX}${process.pid}-${name}-${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(this.dir);
    }
    Jail.all.add(this);
  }

  /** argv that enters the jail and then execs argv */
  wrap(argv) {
    if (!this.dir) return argv;
    return ['/bin/sh', '-c', `echo $$ > ${this.dir}/cgroup.procs && exec "$@"`, 'h2h', ...argv];
  }

  setRoot(pid) {
    this.root = pid;
    this.sample();
  }

  /** remember the current descendants (fallback only; cheap with cgroups) */
  sample() {
    if (this.dir || !this.root) return;
    for (const p of [this.root, ...descendants(this.root)]) {
      const s = stat(p);
      if (s && !this.seen.has(p)) this.seen.set(p, s.starttime);
    }
  }

  pids() {
    if (this.dir) {
      return (read(join(this.dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean).map(Number);
    }
    this.sample();
    return [...this.seen].filter(([p, st]) => stat(p)?.starttime === st && stat(p)?.state !== 'Z').map(([p]) => p);
  }

  /** SIGKILL everything inside, until nothing is left (bounded); returns how many were killed */
  killAll() {
    let killed = 0;
    for (let round = 0; round < 50; round++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
          killed++;
        } catch {}
      }
      sleepSync(10);
    }
    return killed;
  }

  dispose() {
    this.killAll();
    if (this.dir) {
      for (let i = 0; i < 50 && existsSync(this.dir); i++) {
        try {
          rmdirSync(this.dir);
        } catch {
          sleepSync(20); // zombies not yet reaped still count
        }
      }
    }
    Jail.all.delete(this);
  }
}

export function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** end every jail this harness made (synchronous: safe in process.on('exit')) */
export function disposeAllJails() {
  for (const j of [...Jail.all]) {
    try {
      j.dispose();
    } catch {}
  }
}

/** jails left by an earlier harness that died without cleaning up (its pid is gone) */
export function reapStaleJails() {
  if (!CGROUPS) return 0;
  let n = 0;
  for (const name of readdirSync(CGROUP_ROOT)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const j = Object.assign(Object.create(Jail.prototype), { name, dir: join(CGROUP_ROOT, name), seen: new Map() });
    Jail.all.add(j);
    j.dispose();
    n++;
  }
  return n;
}

// ---- CPU: one cpu cgroup (v1) for the harness and everything it starts ----

const CPU_ROOT = '/sys/fs/cgroup/cpu';

/**
 * Move this process (and so everything it will start) into its own cpu cgroup with `shares`
 * (1024 = one ordinary process group's weight). Two effects, the same for every supervisor:
 * the kernel's autogroup scheduling (one CPU share per session, on the root group only) no
 * longer favours the stacks whose programs call setsid(); and, with shares above 1024, the
 * stack under test is shielded from unrelated load on a shared machine.
 * Returns a function that moves the process back and removes the group (synchronous).
 */
export function enterCpuGroup(shares) {
  const dir = join(CPU_ROOT, `${PREFIX}${process.pid}-cpu`);
  try {
    if (!existsSync(join(CPU_ROOT, 'cpu.shares'))) return undefined;
    mkdirSync(dir);
    writeFileSync(join(dir, 'cpu.shares'), String(shares));
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
  } catch {
    try {
      rmdirSync(dir);
    } catch {}
    return undefined;
  }
  return () => {
    try {
      writeFileSync(join(CPU_ROOT, 'cgroup.procs'), String(process.pid));
    } catch {}
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch {
        sleepSync(20);
      }
    }
  };
}

/** cpu groups left by an earlier harness that died (after its jails were emptied) */
export function removeStaleCpuGroups() {
  try {
    for (const name of readdirSync(CPU_ROOT)) {
      const m = new RegExp(`^${PREFIX}(\\d+)-cpu$`).exec(name);
      if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
      try {
        rmdirSync(join(CPU_ROOT, name));
      } catch {}
    }
  } catch {}
}
