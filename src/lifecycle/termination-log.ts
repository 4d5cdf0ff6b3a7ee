// Writing the termination report (DESIGN §9) where Kubernetes reads it. Never through a link:
// the path is checked with lstat and opened with O_NOFOLLOW, and a directory another user
// could write is refused (they could swap the file under berth, which runs as root).
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC } = constants;

export type WriteResult = { ok: true } | { ok: false; error: string; quiet?: boolean };

/**
 * Atomically (a temp file renamed over it), or, where the file is a mount point of its own
 * (the kubelet bind-mounts /dev/termination-log, and rename onto a mount fails with EBUSY),
 * in place with one write. `quiet`: the default path where it cannot be written, which is no news.
 */
export function writeTerminationLog(path: string, text: string, isDefault: boolean): WriteResult {
  const dir = dirname(path);
  let dirStat;
  try {
    dirStat = lstatSync(dir);
  } catch {
    return { ok: false, error: `cannot write the termination report ${path}: ${dir} does not exist`, quiet: isDefault };
  }
  if (!dirStat.isDirectory()) return { ok: false, error: `refusing to write the termination report ${path}: ${dir} is not a directory (or is a link)` };
  const unsafe = otherWriters(dirStat);
  if (unsafe) return { ok: false, error: `refusing to write the termination report ${path}: ${unsafe} in ${dir}` };
  let target;
  try {
    target = lstatSync(path);
  } catch {
    target = undefined;
  }
  if (target && !target.isFile()) return { ok: false, error: `refusing to write the termination report ${path}: it is a ${target.isSymbolicLink() ? 'symbolic link' : 'special file'}, not a regular file` };
  const data = Buffer.from(text);
  try {
    if (target && target.dev !== dirStat.dev) return writeInPlace(path, data);
    const tmp = join(dir, `.${basename(path)}.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`);
    const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    try {
      writeAll(fd, data);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, path);
    } catch (e) {
      unlinkSync(tmp);
      if ((e as NodeJS.ErrnoException).code === 'EBUSY') return writeInPlace(path, data);
      throw e;
    }
    return { ok: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, error: `cannot write the termination report ${path}: ${(e as Error).message}`, quiet: isDefault && (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') };
  }
}

function writeInPlace(path: string, data: Buffer): WriteResult {
  const fd = openSync(path, O_WRONLY | O_NOFOLLOW | O_TRUNC);
  try {
    if (!fstatSync(fd).isFile()) return { ok: false, error: `refusing to write the termination report ${path}: not a regular file` };
    writeAll(fd, data);
    return { ok: true };
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
}

/** Who besides berth and root could replace a file in a directory with this stat. */
function otherWriters(st: { uid: number; mode: number }): string | undefined {
  const me = process.getuid?.() ?? 0;
  if (st.mode & 0o1000) return undefined; // sticky: only a file's owner may replace it
  if (st.uid !== me && st.uid !== 0) return `uid ${st.uid} owns the directory`;
  if (st.mode & 0o022) return 'another user may replace files';
  return undefined;
}
