// The one way berth reads a file someone else wrote (the config, env files, *_FILE secrets,
// php-fpm's and nginx's configs, /etc/passwd, the ready file): a regular file (or /dev/null,
// read as empty), at most `limit` bytes. /dev/zero, /dev/urandom, a FIFO or a 10 GB file is an error that says so,
// never an endless read or a hang. (/proc files are read by os/proc: the kernel bounds them.)
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Sizes berth reads at most, by what the file is; the docs list the same. */
export const READ_LIMITS = {
  config: 8 << 20,
  envFile: 1 << 20,
  secret: 1 << 20,
  presetConfig: 4 << 20,
  userDb: 8 << 20,
  readyFile: 1 << 20,
} as const;

/** A read refused: code is ENOTREG (not a regular file), EFBIG (over the limit), or the system's (ENOENT …); why says it in words. */
export interface ReadError extends Error {
  code: string;
  why: string;
}

export interface ReadOptions {
  /** O_NOFOLLOW: a symlink at the path is an error (ELOOP) */
  noFollow?: boolean;
  /** told the file's stat (its owner, say) before it is read */
  onStat?: (st: Stats) => void;
}

/** The file's bytes; throws a ReadError for anything but a regular file of at most limit bytes. */
export function readFileBounded(file: string, limit: number, opts: ReadOptions = {}): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang; O_NOCTTY: a terminal never becomes berth's
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    throw readError((e as NodeJS.ErrnoException).code ?? 'EIO', e as Error);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw readError('EISDIR');
    if (isDevNull(st)) return Buffer.alloc(0); // an empty file by design: `envFile: /dev/null` stays valid
    if (!st.isFile()) throw readError('ENOTREG', undefined, `is ${kindOf(st)}, not a regular file`);
    if (st.size > limit) throw tooLarge(st.size, limit);
    opts.onStat?.(st);
    // the size may change while read: never more than limit + 1 bytes
    const buf = Buffer.alloc(Math.min(limit + 1, Math.max(st.size, 4096)));
    let len = 0;
    for (let n; len < buf.length && (n = readSync(fd, buf, len, buf.length - len, null)) > 0; ) len += n;
    if (len > limit) throw tooLarge(len, limit);
    return buf.subarray(0, len);
  } finally {
    closeSync(fd);
  }
}

export function readTextBounded(file: string, limit: number, opts: ReadOptions = {}): string {
  return readFileBounded(file, limit, opts).toString('utf8');
}

/** The usual words for a failed read, for messages like `cannot read X: <why>`. */
export function whyUnreadable(e: unknown): string {
  const err = e as Partial<ReadError> & NodeJS.ErrnoException;
  if (err.why) return err.why;
  return WORDS[err.code ?? ''] ?? String(err.code ?? err.message ?? e);
}

const WORDS: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ELOOP: 'it is a symbolic link',
  ENOTDIR: 'a component of the path is not a directory',
};

function readError(code: string, cause?: Error, why = WORDS[code] ?? cause?.message ?? code): ReadError {
  return Object.assign(new Error(why), { code, why });
}

function tooLarge(size: number, limit: number): ReadError {
  return readError('EFBIG', undefined, `it is ${size > limit + 1 ? `${size} bytes` : 'larger than that'}: berth reads at most ${mib(limit)} of this kind of file`);
}

const mib = (n: number) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : `${n / 1024} KiB`);

const DEV_NULL = (1 << 8) | 3; // major 1, minor 3
const isDevNull = (st: Stats) => st.isCharacterDevice() && st.rdev === DEV_NULL;

function kindOf(st: Stats): string {
  if (st.isCharacterDevice()) return 'a character device (like /dev/zero)';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
