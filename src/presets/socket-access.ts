// Can nginx's workers connect to php-fpm's socket? A root php-fpm makes it
// listen.owner:listen.group with listen.mode (root:root 0660 when unset); nginx's workers run
// as `user` (nobody by default). connect() needs write permission: otherwise every PHP
// request is a 502 with "Permission denied" in nginx's log.
import { readTable } from '../os/users.js';
import { formatEndpoint, serves } from './endpoint.js';
import { at, type PresetWarning } from './findings.js';
import type { NginxFacts } from './nginx/targets.js';
import type { FpmListen } from './php-fpm/index.js';

export interface Accounts {
  passwd: string[][];
  group: string[][];
}

const table = readTable;

/** A service's master process runs as root unless `user:` says otherwise. */
export function runsAsRoot(user: string | undefined): boolean {
  return user === undefined || /^(root|0)(:.*)?$/.test(user);
}

export const systemAccounts = (): Accounts => ({ passwd: table('/etc/passwd'), group: table('/etc/group') });

const uidOf = (a: Accounts, user: string) => (/^\d+$/.test(user) ? Number(user) : numberAt(a.passwd.find((p) => p[0] === user), 2));
const gidOf = (a: Accounts, group: string) => (/^\d+$/.test(group) ? Number(group) : numberAt(a.group.find((g) => g[0] === group), 2));
const primaryGid = (a: Accounts, user: string) => numberAt(a.passwd.find((p) => p[0] === user || p[2] === user), 3);

function numberAt(row: string[] | undefined, i: number): number | undefined {
  return row?.[i] !== undefined && /^\d+$/.test(row[i]!) ? Number(row[i]) : undefined;
}

/** write permission for `user` (with its groups from /etc/group) on an owner:group mode socket */
export function mayConnect(a: Accounts, user: string, groupName: string | undefined, sock: { uid: number; gid: number; mode: number }): boolean | undefined {
  const uid = uidOf(a, user);
  const gid = groupName !== undefined ? gidOf(a, groupName) : primaryGid(a, user);
  if (uid === undefined || gid === undefined) return undefined;
  if (uid === 0) return true;
  if (uid === sock.uid) return (sock.mode & 0o200) !== 0;
  const groups = new Set([gid, ...a.group.filter((g) => (g[3] ?? '').split(',').includes(user)).map((g) => Number(g[2]))]);
  if (groups.has(sock.gid)) return (sock.mode & 0o020) !== 0;
  return (sock.mode & 0o002) !== 0;
}

/** The socket as a root php-fpm leaves it (fpm_unix_resolve_socket_premissions). */
function socketOwner(a: Accounts, l: FpmListen): { uid: number; gid: number; mode: number } | undefined {
  const uid = l.owner === undefined ? 0 : uidOf(a, l.owner);
  const gid = l.group !== undefined ? gidOf(a, l.group) : l.owner !== undefined ? primaryGid(a, l.owner) : 0;
  const mode = parseInt(l.mode ?? '0660', 8);
  return uid === undefined || gid === undefined || Number.isNaN(mode) ? undefined : { uid, gid, mode };
}

/**
 * Only when both masters run as root (a non-root php-fpm cannot chown, a non-root nginx does
 * not switch user) and the pool sets no listen.acl_* (ACLs replace owner and mode).
 */
export function socketAccessWarnings(
  nginx: { service: string; facts: NginxFacts },
  fpm: { service: string; listens: FpmListen[] }[],
  accounts: Accounts = systemAccounts(),
): PresetWarning[] {
  const warnings: PresetWarning[] = [];
  const user = nginx.facts.user?.name ?? 'nobody';
  const group = nginx.facts.user ? nginx.facts.user.group ?? nginx.facts.user.name : 'nogroup';
  for (const t of nginx.facts.targets) {
    for (const f of fpm) {
      const l = f.listens.find((x) => x.endpoint.kind === 'unix' && !x.acl && serves(x.endpoint, t.endpoint));
      const sock = l && socketOwner(accounts, l);
      if (!l || !sock || mayConnect(accounts, user, group, sock) !== false) continue;
      const who = nginx.facts.user ? `${user} (${at(nginx.facts.user.at)})` : `${user} (nginx's default)`;
      const owner = `${l.owner ?? 'root'}:${l.group ?? l.owner ?? 'root'} mode ${l.mode ?? '0660'}`;
      warnings.push({
        service: nginx.service,
        message: `nginx's workers run as ${who} but ${f.service}'s socket ${formatEndpoint(l.endpoint)} will be ${owner} (pool ${l.pool}'s listen.owner, listen.group, listen.mode), so nginx cannot connect to it and answers 502; set listen.owner and listen.group to ${user}, or nginx's user to the socket's owner`,
      });
    }
  }
  return warnings;
}
