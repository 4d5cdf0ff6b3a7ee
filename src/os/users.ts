// `user:` as a name or uid[:gid], resolved from /etc/passwd and /etc/group.
import { READ_LIMITS, readTextBounded } from './read-bounded.js';
import type { UserSpec } from '../types.js';

/** /etc/passwd or /etc/group as rows of fields; [] when unreadable (or not a regular file under 8 MiB) */
export function readTable(file: string): string[][] {
  try {
    return readTextBounded(file, READ_LIMITS.userDb).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** undefined when a name is unknown; numeric ids need no entry (as Docker's --user) */
export function resolveUser(spec: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): UserSpec | undefined {
  const [userPart, groupPart] = spec.split(':', 2) as [string, string | undefined];
  const passwd = readTable(files.passwd);
  const entry = /^\d+$/.test(userPart) ? passwd.find((f) => f[2] === userPart) : passwd.find((f) => f[0] === userPart);
  if (!entry && !/^\d+$/.test(userPart)) return undefined;
  const uid = entry ? Number(entry[2]) : Number(userPart);
  let gid = entry ? Number(entry[3]) : uid;
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = readTable(files.group).find((f) => f[0] === groupPart);
      if (!g) return undefined;
      gid = Number(g[2]);
    }
  }
  return { uid, gid, name: entry?.[0], home: entry?.[5] };
}
