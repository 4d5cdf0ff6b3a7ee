// The one owner of paths berth creates, chmods, chowns or writes (as root, usually).
// A directory is walked from / one component at a time, each opened with O_NOFOLLOW
// relative to its parent's descriptor (through /proc/self/fd, Node has no openat; where
// /proc is not mounted, through the C library's openat, mkdirat … on the descriptor), so
// a link planted by a less privileged user is refused instead of followed, and chown
// and chmod act on the descriptor, never on a path that could change under them.
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { atCallsError, loadAtCalls, type AtCalls, type CallError, type CallResult } from './libc.js';

/** A path berth will not touch, and why: preflight reports it and berth exits 78. */
export class UnsafePathError extends Error {
  readonly code = 'UNSAFE_PATH';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`refusing ${path}: ${reason}`);
    this.name = 'UnsafePathError';
  }
}

export interface DirOptions {
  /** the owner to give the directory (chown on the open descriptor) */
  uid?: number;
  gid?: number;
  /** its mode: set on a directory berth creates, and on an existing one that differs */
  mode?: number;
  /** the mode of the directory when berth creates it and `mode` is not given (default 0755; an existing one is left as it is) */
  createMode?: number;
  /** the mode of a missing parent berth creates on the way (default 0755, whatever the umask) */
  parentMode?: number;
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_WRONLY, O_CREAT, O_EXCL } = constants;
const OPEN_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const MAX_LINKS = 40; // as the kernel's own limit (ELOOP)

/** A directory held open: its entries are reached from the descriptor, without walking the path again. */
export interface OpenDir {
  fd: number;
  path: string;
  stat: Stats;
  /** true when only root and berth's user can replace an entry of this directory (and of every parent) */
  trusted: boolean;
  /** who else could, when not trusted */
  writableBy?: string;
  /** lstat of an entry; undefined when there is none */
  lstat(name: string): Stats | undefined;
  /** open(2) of an entry, flags as given (add O_NOFOLLOW) */
  open(name: string, flags: number, mode?: number): number;
  close(): void;
}

/**
 * The directory at path, created (with missing parents) when absent, given its owner and mode.
 * Throws UnsafePathError for a symlink a less privileged user could have planted, or a
 * component that is not a directory; other errors (EACCES, EROFS …) as Node raises them.
 */
export function ensureDir(path: string, opts: DirOptions = {}): { created: boolean } {
  const dir = openDirSafe(path, { create: opts.mode ?? opts.createMode ?? 0o755, parentMode: opts.parentMode ?? 0o755 });
  try {
    applyOwnerAndMode(dir, opts);
    return { created: dir.created };
  } finally {
    dir.close();
  }
}

/**
 * A directory only root and berth (and its configured owner) can write, for files others trust:
 * the control socket's, the ready file's. Refused when any directory on its way can be
 * written by another user (they could replace it later), or it exists owned by someone else.
 */
export function ensurePrivateDir(path: string, opts: DirOptions = {}): { created: boolean } {
  const dir = openDirSafe(path, { create: opts.mode ?? opts.createMode ?? 0o700, parentMode: opts.parentMode ?? 0o755 });
  try {
    if (!dir.parentTrusted) throw new UnsafePathError(path, `${dir.writableBy}; use a directory only root can write (such as /run)`);
    const me = myUid();
    const owner = dir.stat.uid;
    if (owner !== 0 && owner !== me && owner !== opts.uid) throw new UnsafePathError(path, `it belongs to uid ${owner}, not to berth (uid ${me}) nor its configured owner: someone else made it`);
    applyOwnerAndMode(dir, opts);
    const st = fstatSync(dir.fd);
    if (st.mode & 0o002 && !(st.mode & 0o1000)) throw new UnsafePathError(path, `anyone may write it (mode ${octal(st.mode)})`);
    return { created: dir.created };
  } finally {
    dir.close();
  }
}

/**
 * Writes name in dir as a reader never sees half of it: a new temp file (O_EXCL, O_NOFOLLOW)
 * in the directory held open, written, fsynced, then renamed over name. dir must exist, and
 * only root and berth may write it and every directory on its way (else another user could
 * swap the file after berth wrote it); a symlink planted at name is replaced, never followed.
 */
export function writeFileAtomic(dirPath: string, name: string, data: string | Buffer, mode = 0o644): void {
  if (name.includes('/') || name === '' || name === '.' || name === '..') throw new UnsafePathError(`${dirPath}/${name}`, 'a file name, not a path, is expected');
  const dir = openDirSafe(dirPath, {});
  try {
    if (!dir.trusted) throw new UnsafePathError(`${dirPath}/${name}`, `${dir.writableBy}`);
    // unique, not secret: O_EXCL never opens a file someone else put there
    const tmp = `.${name}.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`;
    const fd = dir.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      try {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
        fchmodSync(fd, mode); // the umask may have narrowed it
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      dir.entries.rename(dir.fd, tmp, name);
    } catch (e) {
      try {
        dir.entries.unlink(dir.fd, tmp);
      } catch {
        // already renamed, or never there
      }
      throw e;
    }
  } finally {
    dir.close();
  }
}

/** Who besides root and berth may add, remove or rename entries of a directory; undefined when nobody. */
export function otherWriters(st: { uid: number; mode: number }, path: string): string | undefined {
  const me = myUid();
  if (st.uid !== me && st.uid !== 0) return `${path} belongs to uid ${st.uid}, who may replace files in it (berth runs as uid ${me})`;
  if (st.mode & 0o002 && !(st.mode & 0o1000)) return `anyone may replace files in ${path} (mode ${octal(st.mode)}, no sticky bit)`;
  if (st.mode & 0o020 && !(st.mode & 0o1000)) return `its group may replace files in ${path} (mode ${octal(st.mode)}, no sticky bit)`;
  return undefined;
}

/**
 * Removes what berth made in a new directory of its own (mkdtemp): the named files, then the
 * directory, each as far as it goes, never throwing. Never recursive: where others may write
 * the parent, the directory at that name may no longer be berth's.
 */
export function removeMade(dir: string, names: readonly string[]): void {
  for (const rm of [...names.map((n) => () => unlinkSync(join(dir, n))), () => rmdirSync(dir)]) {
    try {
      rm();
    } catch {
      // gone already, or never made
    }
  }
}

/**
 * Why berth must not run code from path (a native module there, or, without /proc, one it
 * writes into a new directory of its own there), or undefined when it may: links resolved, the file is written
 * by no one but root and berth's user, and no one else can replace it or a directory above
 * it (otherWriters: a sticky /tmp will do). Safe to check by path: whatever passes, no one
 * else can change meanwhile.
 */
export function untrustedCode(path: string): string | undefined {
  try {
    let p = realpathSync(path);
    const st = lstatSync(p);
    if (!st.isDirectory()) {
      const me = myUid();
      if (st.uid !== me && st.uid !== 0) return `${p} belongs to uid ${st.uid} (berth runs as uid ${me})`;
      if (st.mode & 0o022) return `others may write ${p} (mode ${octal(st.mode)})`;
      p = dirname(p);
    }
    for (;;) {
      const w = otherWriters(lstatSync(p), p);
      if (w) return w;
      if (dirname(p) === p) return undefined;
      p = dirname(p);
    }
  } catch (e) {
    return (e as Error).message;
  }
}

interface Walked extends OpenDir {
  created: boolean;
  entries: Entries;
  /** no one but root and berth could have replaced this directory (nor any on its way) */
  parentTrusted: boolean;
}

interface WalkOptions {
  /** create a missing last component with this mode; missing parents with parentMode */
  create?: number;
  parentMode?: number;
}

/** Opens the directory at path without following a link anyone but root (or berth) could have made. */
export function openDirSafe(path: string, opts: WalkOptions): Walked {
  if (!isAbsolute(path)) throw new UnsafePathError(path, 'an absolute path is expected');
  let parts = components(path);
  let fd = openSync('/', OPEN_DIR);
  let here = '/';
  let entries: Entries;
  try {
    entries = entriesOf(fd, path);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let writableBy: string | undefined; // the first who could replace a directory on the way
  let links = 0;
  let created = false;
  try {
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const last = i === parts.length - 1;
      const shown = name === '..' ? dirname(here) : join(here, name);
      let st = entries.lstat(fd, name);
      if (!st && name !== '..') {
        created = makeDir(entries, fd, name, shown, last ? opts.create : opts.parentMode) && last;
        st = entries.lstat(fd, name);
      }
      if (!st) throw Object.assign(new Error(`ENOENT: no such directory, ${shown}`), { code: 'ENOENT', path: shown });
      // `..` (from a link's target) is the held directory's real parent: nothing to redirect
      const replaceable = name === '..' ? undefined : replaceableBy(fstatSync(fd), st, here);
      if (st.isSymbolicLink()) {
        if (replaceable) throw new UnsafePathError(path, `${shown} is a symbolic link, and ${replaceable}: berth does not follow it (name the real directory)`);
        if (++links > MAX_LINKS) throw new UnsafePathError(path, `more than ${MAX_LINKS} symbolic links on the way`);
        const target = entries.readlink(fd, name);
        const rest = parts.slice(i + 1);
        if (isAbsolute(target)) {
          const root = openSync('/', OPEN_DIR);
          closeSync(fd);
          fd = root;
          here = '/';
        }
        parts = [...components(target), ...rest];
        i = -1;
        continue;
      }
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${shown} is not a directory`), { code: 'ENOTDIR', path: shown });
      const next = entries.open(fd, name, OPEN_DIR);
      const nst = fstatSync(next);
      if (nst.ino !== st.ino || nst.dev !== st.dev) {
        closeSync(next);
        throw new UnsafePathError(path, `${shown} was replaced while berth opened it`);
      }
      closeSync(fd);
      fd = next;
      writableBy ??= replaceable;
      here = shown;
    }
    const stat = fstatSync(fd);
    const inside = otherWriters(stat, here);
    const held = fd;
    const by = writableBy ?? inside;
    return {
      fd: held,
      path: here,
      stat,
      created,
      parentTrusted: writableBy === undefined,
      trusted: by === undefined,
      ...(by !== undefined && { writableBy: by }),
      entries,
      lstat: (n: string) => entries.lstat(held, n),
      open: (n: string, flags: number, mode?: number) => entries.open(held, n, flags, mode),
      close: () => closeSync(held),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** mkdir one component in a held directory; true when berth made it (false: someone else did first). */
function makeDir(entries: Entries, fd: number, name: string, shown: string, mode: number | undefined): boolean {
  if (mode === undefined) throw Object.assign(new Error(`ENOENT: no such directory, ${shown}`), { code: 'ENOENT', path: shown });
  try {
    entries.mkdir(fd, name, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  const made = entries.open(fd, name, OPEN_DIR);
  try {
    const st = fstatSync(made);
    if (st.uid !== myUid()) throw new UnsafePathError(shown, `it was replaced while berth created it (now uid ${st.uid}'s)`);
    fchmodSync(made, mode); // the umask may have narrowed it
  } finally {
    closeSync(made);
  }
  return true;
}

/** Who besides root and berth could put something else at entry (st) in parent; undefined when nobody. */
function replaceableBy(parent: Stats, st: Stats, parentPath: string): string | undefined {
  const w = otherWriters(parent, parentPath);
  if (w) return w;
  const sticky = parent.mode & 0o1000;
  // in a sticky directory (/tmp) others may write, only an entry's owner may rename or remove it
  if (sticky && parent.mode & 0o022 && st.uid !== 0 && st.uid !== myUid()) return `uid ${st.uid} owns it in ${parentPath}, which others may write`;
  return undefined;
}

function applyOwnerAndMode(dir: Walked, opts: DirOptions): void {
  const st = fstatSync(dir.fd);
  const uid = opts.uid ?? st.uid;
  const gid = opts.gid ?? st.gid;
  if (uid !== st.uid || gid !== st.gid) fchownSync(dir.fd, uid, gid);
  // chown clears set-id bits: compare the mode after it
  if (opts.mode !== undefined && (fstatSync(dir.fd).mode & 0o7777) !== opts.mode) fchmodSync(dir.fd, opts.mode);
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The calls on one entry (a single name) of a directory held open as fd. */
interface Entries {
  lstat(fd: number, name: string): Stats | undefined;
  open(fd: number, name: string, flags: number, mode?: number): number;
  mkdir(fd: number, name: string, mode: number): void;
  readlink(fd: number, name: string): string;
  rename(fd: number, from: string, to: string): void;
  unlink(fd: number, name: string): void;
}

/** /proc/self/fd/FD/NAME: the entry NAME of the directory open as FD, whatever path led there. */
const procEntries: Entries = {
  lstat: (fd, name) => lstatOrUndefined(`/proc/self/fd/${fd}/${name}`),
  open: (fd, name, flags, mode) => openSync(`/proc/self/fd/${fd}/${name}`, flags, mode),
  mkdir: (fd, name, mode) => mkdirSync(`/proc/self/fd/${fd}/${name}`, mode),
  readlink: (fd, name) => readlinkSync(`/proc/self/fd/${fd}/${name}`),
  rename: (fd, from, to) => renameSync(`/proc/self/fd/${fd}/${from}`, `/proc/self/fd/${fd}/${to}`),
  unlink: (fd, name) => unlinkSync(`/proc/self/fd/${fd}/${name}`),
};

const O_PATH = 0o10000000; // the same on every Linux ABI Node runs on

/** The same through openat, mkdirat … where /proc is not mounted (a sandbox, an empty tmpfs over it). */
function atEntries(c: AtCalls): Entries {
  const must = <T>(r: CallResult<T>, syscall: string, name: string): T => {
    if (r.ok) return r.value;
    throw errnoError(r, syscall, name);
  };
  return {
    lstat(fd, name) {
      // O_PATH | O_NOFOLLOW opens a link itself; fstat of that descriptor is the entry's lstat
      const r = c.openat(fd, name, O_PATH | O_NOFOLLOW, 0);
      if (!r.ok && r.code === 'ENOENT') return undefined;
      const held = must(r, 'openat', name);
      try {
        return fstatSync(held);
      } finally {
        closeSync(held);
      }
    },
    open: (fd, name, flags, mode = 0) => must(c.openat(fd, name, flags, mode), 'openat', name),
    mkdir: (fd, name, mode) => must(c.mkdirat(fd, name, mode), 'mkdirat', name),
    readlink: (fd, name) => must(c.readlinkat(fd, name), 'readlinkat', name),
    rename: (fd, from, to) => must(c.renameat(fd, from, to), 'renameat', to),
    unlink: (fd, name) => must(c.unlinkat(fd, name), 'unlinkat', name),
  };
}

function errnoError(e: CallError, syscall: string, name: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${e.code}: ${syscall} ${name}`), { code: e.code, errno: -e.errno, syscall, path: name });
}

/** /proc/self/fd where /proc is mounted, else the *at calls; neither: berth cannot reach the path without following links. */
function entriesOf(rootFd: number, path: string): Entries {
  try {
    lstatSync(`/proc/self/fd/${rootFd}`);
    return procEntries;
  } catch {
    // no /proc (ENOENT), or one that hides its fd directory
  }
  const calls = loadAtCalls();
  if (calls) return atEntries(calls);
  throw new UnsafePathError(path, `/proc is not mounted and the C library cannot load (${atCallsError()}): berth cannot open it without risking a planted link`);
}

/** the names of a path, `.` and empty ones dropped; `..` kept (resolved against the held directory) */
function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

const myUid = (): number => process.getuid?.() ?? 0;
const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;
