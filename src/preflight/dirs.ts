// `dirs:` — directories a service needs before it starts (a socket's, nginx's temp
// paths), created with their owner and mode. Never touches one that already fits, and
// never follows a link a less privileged user could have planted (os/safe-path).
import type { EventLog, ServicePlan } from '../types.js';
import { resolveUser } from '../os/users.js';
import { ensureDir, UnsafePathError } from '../os/safe-path.js';

export interface DirProblem {
  service: string;
  message: string;
}

export function ensureDirs(services: readonly ServicePlan[], log: EventLog): DirProblem[] {
  const problems: DirProblem[] = [];
  for (const s of services) {
    for (const d of s.dirs) {
      try {
        const u = d.owner ? resolveUser(d.owner) : undefined;
        if (d.owner && !u) throw new Error(`owner "${d.owner}" is not a known user`);
        const { created } = ensureDir(d.path, { ...(u && { uid: u.uid, gid: u.gid }), ...(d.mode !== undefined && { mode: d.mode }) });
        if (created) log.debug('dir.created', { service: s.name, path: d.path, owner: d.owner, mode: d.mode?.toString(8) }, `created ${d.path} for ${s.name}`);
      } catch (err) {
        problems.push({ service: s.name, message: `dirs ${d.path}: ${err instanceof UnsafePathError ? `refused, ${err.reason}` : (err as Error).message}` });
      }
    }
  }
  return problems;
}
