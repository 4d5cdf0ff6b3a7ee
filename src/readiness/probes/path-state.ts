// How a path looks to a person debugging permissions: kind, owner and mode, by name.
import { lstatSync, statSync, type Stats } from 'node:fs';
import { readTable } from '../../os/users.js';
import { dirname } from 'node:path';

export interface PathState {
  path: string;
  exists: boolean;
  type?: 'socket' | 'file' | 'directory' | 'symlink' | 'other';
  owner?: string; // user name, or the uid when /etc/passwd does not know it
  group?: string;
  mode?: string; // "0755"
}

export function pathState(path: string): PathState {
  let st: Stats;
  let dangling = false;
  try {
    st = statSync(path);
  } catch {
    try {
      st = lstatSync(path); // a link whose target is missing
      dangling = true;
    } catch {
      return { path, exists: false };
    }
  }
  return {
    path,
    exists: true,
    type: dangling ? 'symlink' : st.isSocket() ? 'socket' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other',
    owner: nameOf('/etc/passwd', st.uid),
    group: nameOf('/etc/group', st.gid),
    mode: `0${(st.mode & 0o7777).toString(8).padStart(3, '0')}`,
  };
}

/** "owner www-data, mode 0755" */
export function ownerAndMode(s: PathState): string {
  return `owner ${s.owner}${s.group && s.group !== s.owner ? `:${s.group}` : ''}, mode ${s.mode}`;
}

/** "directory /var/run/php-fpm exists, owner www-data, mode 0755" or where the chain breaks. */
export function describeParent(path: string): { text: string; dir: PathState } {
  const dir = pathState(dirname(path));
  if (dir.exists && dir.type === 'directory') return { text: `directory ${dir.path} exists, ${ownerAndMode(dir)}`, dir };
  if (dir.exists) return { text: `${dir.path} is a ${dir.type}, not a directory`, dir };
  let up = dirname(dir.path);
  while (!pathState(up).exists && dirname(up) !== up) up = dirname(up);
  return { text: `directory ${dir.path} does not exist either; the nearest that does is ${up}`, dir };
}

function nameOf(db: string, id: number): string {
  try {
    const row = readTable(db).find((r) => r[2] === String(id));
    return row?.[0] || String(id);
  } catch {
    return String(id);
  }
}
