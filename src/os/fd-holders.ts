// Who else holds a pipe open: read from /proc/*/fd. A task's daemonized helper keeps the
// task's stdout long after the task ended; this names it instead of waiting for it.
import { readdirSync, readlinkSync } from 'node:fs';

/**
 * The pids, other than berth, with an open descriptor on one of these pipes (by inode);
 * undefined when /proc cannot tell (not mounted, or a process's fds hidden from berth).
 */
export function pipeHolders(inodes: readonly number[], self = process.pid): number[] | undefined {
  if (inodes.length === 0) return undefined;
  const wanted = new Set(inodes.map((i) => `pipe:[${i}]`));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const out: number[] = [];
  let hidden = false;
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') hidden = true;
      continue; // ENOENT: it exited meanwhile
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          out.push(Number(pid));
          break;
        }
      } catch {
        // the fd closed between readdir and readlink
      }
    }
  }
  return out.length === 0 && hidden ? undefined : out;
}
