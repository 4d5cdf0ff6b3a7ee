// What would make a spawn fail after preflight said yes: a user berth cannot become
// (a non-root berth, or root without CAP_SETUID), an argv or env the kernel refuses (E2BIG).
// Each is a config problem (78) found before any task runs, not a 126 at start.
import { readFileSync } from 'node:fs';
import type { ProcessPlan, UserSpec } from '../types.js';

const CAP_SETGID = 6;
const CAP_SETUID = 7;
const STK_LIM = 8 << 20; // the kernel's _STK_LIM: argv and env never get more than 3/4 of it
const AT_PAGESZ = 6;

export interface Identity {
  uid: number;
  gid: number;
  /** CapEff of /proc/self/status; undefined when it cannot be read (then only root is assumed able) */
  caps?: bigint;
}

export function ownIdentity(): Identity {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    return { uid, gid, ...(m && { caps: BigInt(`0x${m[1]}`) }) };
  } catch {
    return { uid, gid };
  }
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
  const page = pageSize();
  const stack = stackLimit();
  const total = Math.max(Math.min((STK_LIM / 4) * 3, stack === undefined ? Infinity : Math.floor(stack / 4)), 32 * page);
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

function pageSize(): number {
  try {
    const auxv = readFileSync('/proc/self/auxv');
    for (let off = 0; off + 16 <= auxv.length; off += 16) if (auxv.readBigUInt64LE(off) === BigInt(AT_PAGESZ)) return Number(auxv.readBigUInt64LE(off + 8));
  } catch {
    // no /proc: the smallest page, the tightest limit
  }
  return 4096;
}

function stackLimit(): number | undefined {
  try {
    const m = /^Max stack size\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return 8 << 20;
  }
}
