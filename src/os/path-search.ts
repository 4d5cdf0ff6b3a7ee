// Finding a program on a child's PATH as execvp() would, and the php-fpm a preset runs:
// `php-fpm` in the official images, `php-fpm8.2` in Debian's packages.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

function executable(file: string): boolean {
  try {
    return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

/** PATH's directories, a relative one resolved against the child's cwd as execvp() does */
function pathDirs(pathVar: string, cwd: string): string[] {
  return pathVar.split(delimiter).filter(Boolean).map((d) => resolve(cwd, d));
}

/** The file execvp() would run for `name`, or undefined. */
export function findOnPath(name: string, pathVar: string, cwd: string): string | undefined {
  if (name.includes('/')) return executable(resolve(cwd, name)) ? resolve(cwd, name) : undefined;
  for (const dir of pathDirs(pathVar, cwd)) {
    const file = join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

// php-fpm8.2 (Debian), php-fpm82 (Alpine's packages), php-fpm
const PHP_FPM = /^php-fpm(?:(\d+)(?:\.(\d+))?)?$/;

interface Listing {
  /** the directory's ctime when listed: an entry added, removed or renamed changes it */
  ctimeNs: bigint;
  /** its php-fpm and php-fpmX.Y entries */
  names: string[];
}

// One listing per directory, kept while the directory is unchanged. The plan, the early
// config test and the preflight each look for php-fpm, and on Debian's PATH that means
// listing /usr/sbin and /usr/bin (and /sbin and /bin again, the same directories since
// /usr was merged): ~3 ms each time, on the way to php-fpm's start.
const listings = new Map<string, Listing>();
const MAX_LISTINGS = 64; // a PATH is a handful of directories; reloads may bring others

/** The php-fpm programs in `dir` (not yet checked as executable), read again only when the directory changed. */
function phpFpmNames(dir: string, seen: Set<string>): string[] {
  let st;
  try {
    st = statSync(dir, { bigint: true });
  } catch {
    return [];
  }
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return []; // the same directory, earlier on PATH under another name: it had none
  seen.add(id);
  const known = listings.get(id);
  if (known && known.ctimeNs === st.ctimeNs) return known.names;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => PHP_FPM.test(n));
  } catch {
    return [];
  }
  if (listings.size >= MAX_LISTINGS) listings.clear();
  listings.set(id, { ctimeNs: st.ctimeNs, names });
  return names;
}

/**
 * The php-fpm a preset runs, and the one rule for it (the plan's default command and the
 * preflight's check both use it): the first PATH directory with an executable `php-fpm` or
 * `php-fpmX.Y` (or Alpine's `php-fpmXY`) decides, as execvp() would, and in it `php-fpm`,
 * else the highest version (compared as numbers).
 */
export function findPhpFpmProgram(pathVar: string, cwd: string): string | undefined {
  const seen = new Set<string>();
  for (const dir of pathDirs(pathVar, cwd)) {
    let best: { file: string; version: number[] } | undefined;
    for (const name of phpFpmNames(dir, seen)) {
      const file = join(dir, name);
      if (!executable(file)) continue;
      const m = PHP_FPM.exec(name)!;
      if (m[1] === undefined) return file;
      const version = [Number(m[1]), Number(m[2] ?? 0)];
      if (!best || newer(version, best.version)) best = { file, version };
    }
    if (best) return best.file;
  }
  return undefined;
}

function newer(a: number[], b: number[]): boolean {
  return a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! > b[1]!;
}
