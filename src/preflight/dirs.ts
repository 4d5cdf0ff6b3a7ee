// `dirs:` — directories a service needs before it starts (a socket's, nginx's temp
// paths), created with their owner and mode. Never touches one that already fits.
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import type { EventLog, ServicePlan } from '../types.js';
import { resolveUser } from '../os/users.js';
import { isDir } from './fs-checks.js';

export interface DirProblem {
  service: string;
  message: string;
}

export function ensureDirs(services: readonly ServicePlan[], log: EventLog): DirProblem[] {
  const problems: DirProblem[] = [];
  for (const s of services) {
    for (const d of s.dirs) {
      try {
        const existed = isDir(d.path);
        if (!existed) mkdirSync(d.path, { recursive: true, mode: d.mode ?? 0o755 });
        if (d.mode !== undefined && (statSync(d.path).mode & 0o7777) !== d.mode) chmodSync(d.path, d.mode);
        if (d.owner) {
          const u = resolveUser(d.owner);
          if (!u) throw new Error(`owner "${d.owner}" is not a known user`);
          const st = statSync(d.path);
          if (st.uid !== u.uid || st.gid !== u.gid) chownSync(d.path, u.uid, u.gid);
        }
        if (!existed) log.debug('dir.created', { service: s.name, path: d.path, owner: d.owner, mode: d.mode?.toString(8) }, `created ${d.path} for ${s.name}`);
      } catch (err) {
        problems.push({ service: s.name, message: `dirs ${d.path}: ${(err as Error).message}` });
      }
    }
  }
  return problems;
}

