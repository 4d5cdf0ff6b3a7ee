// What would make a spawn fail after preflight said yes: a user berth cannot become
// (a non-root berth, or root without CAP_SETUID), an argv or env the kernel refuses (E2BIG).
// Each is a config problem (78) found before any task runs, not a 126 at start.
import { ownCapabilities, pageSize, stackLimit } from '../os/proc.js';
import type { ProcessPlan, UserSpec } from '../types.js';

const CAP_SETGID = 6;
const CAP_SETUID = 7;
const STK_LIM = 8 << 20; // the kernel's _STK_LIM: argv and env never get more than 3/4 of it

export interface Identity {
  uid: number;
  gid: number;
  /** CapEff of /proc/self/status; undefined when it cannot be read (then only root is assumed able) */
  caps?: bigint;
}

export function ownIdentity(): Identity {
  const caps = ownCapabilities();
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, ...(caps !== undefined && { caps }) };
}

/** Why berth (as `me`) cannot start a process as u; undefined when it can. */
export function cannotBecome(u: UserSpec, spec: string, me: Identity = ownIdentity()): string | undefined {
  const has = (cap: number) => (me.caps === undefined ? me.uid === 0 : (me.caps >> BigInt(cap)) & 1n) ? true : false;
  const who = `berth runs as uid ${me.uid} (gid ${me.gid})`;
  if (u.uid !== me.uid && !has(CAP_SETUID)) return `user "${spec}" is uid ${u.uid}, and ${who} without the CAP_SETUID capability: it cannot start a process as another user. Run berth as root, or drop the user: line`;
  if (u.gid !== me.gid && !has(CAP_SETGID)) return `user "${spec}" has gid ${u.gid}, and ${who} without the CAP_SETGID capability: it cannot start a process in another group. Run berth as root, or use uid:${me.gid}`;
  return undefined;
}

export interface ArgLimits {
  /** one argument or variable, its NUL included (MAX_ARG_STRLEN: 32 pages) */
  perString: number;
  /** every argument and variable with their pointers */
  total: number;
}

let cached: ArgLimits | undefined;

/** The kernel's execve limits here, as fs/exec.c computes them from the page size and the stack limit. */
export function argLimits(): ArgLimits {
  if (cached) return cached;
  const page = pageSize() ?? 4096; // no /proc: the smallest page, the tightest limit
  const stack = stackLimit() ?? 8 << 20;
  const total = Math.max(Math.min((STK_LIM / 4) * 3, stack === 'unlimited' ? Infinity : Math.floor(stack / 4)), 32 * page);
  return (cached = { perString: 32 * page, total });
}

/** Why execve would fail with E2BIG for this argv and env; undefined when it fits. */
export function tooBigToExec(p: Pick<ProcessPlan, 'argv' | 'env'>, limits: ArgLimits = argLimits()): string | undefined {
  let size = 0;
  let count = 0;
  const visit = (what: string, s: string) => {
    const bytes = Buffer.byteLength(s) + 1;
    size += bytes;
    count++;
    return bytes > limits.perString ? `${what} is ${bytes - 1} bytes; the kernel takes at most ${limits.perString - 1} in one argument or variable (E2BIG)` : undefined;
  };
  for (const [i, a] of p.argv.entries()) {
    const bad = visit(`argument ${i + 1} of the command`, a);
    if (bad) return bad;
  }
  for (const [k, v] of Object.entries(p.env)) {
    const bad = visit(`env ${k.length > 60 ? `${k.slice(0, 60)}…` : k}`, `${k}=${v}`);
    if (bad) return bad;
  }
  size += Buffer.byteLength(p.argv[0] ?? '') + 1; // the file name is copied too
  const total = size + (count + 2) * 8;
  if (total > limits.total) return `the command and its env take ${total} bytes; the kernel allows ${limits.total} here (a quarter of the stack limit, E2BIG): pass large values in files`;
  return undefined;
}
