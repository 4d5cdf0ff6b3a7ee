// Writing the termination report (CONTRACT §9) where Kubernetes reads it, through safe-path:
// the directory walked without following a link another user could plant, the file renamed
// into place. The kubelet bind-mounts /dev/termination-log: a rename onto a mount point
// fails (EBUSY), so there the file is written in place, opened with O_NOFOLLOW, in one write.
import { closeSync, constants, fstatSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { openDirSafe, UnsafePathError, writeFileAtomic } from '../os/safe-path.js';

const { O_WRONLY, O_NOFOLLOW, O_TRUNC } = constants;

/** `quiet`: the default path where berth may not write, which is no news (not in Kubernetes). */
export type WriteResult = { ok: true } | { ok: false; error: string; quiet?: boolean };

export function writeTerminationLog(path: string, text: string, isDefault: boolean): WriteResult {
  const dir = dirname(path);
  const name = basename(path);
  try {
    if (isMountPoint(dir, name)) return writeInPlace(dir, name, text);
    writeFileAtomic(dir, name, text, 0o644);
    return { ok: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EBUSY') return writeInPlace(dir, name, text);
    const quiet = isDefault && ['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR'].includes(code ?? '');
    const why = e instanceof UnsafePathError ? e.message : `cannot write the termination report ${path}: ${(e as Error).message}`;
    return { ok: false, error: why, quiet };
  }
}

/** The file is a mount of its own (the kubelet's bind mount): its device differs from its directory's. */
function isMountPoint(dir: string, name: string): boolean {
  const held = openDirSafe(dir, {});
  try {
    const st = held.lstat(name);
    return st !== undefined && st.isFile() && st.dev !== held.stat.dev;
  } catch {
    return false;
  } finally {
    held.close();
  }
}

function writeInPlace(dir: string, name: string, text: string): WriteResult {
  const held = openDirSafe(dir, {});
  try {
    if (!held.trusted) return { ok: false, error: `refusing to write the termination report ${dir}/${name}: ${held.writableBy}` };
    const fd = held.open(name, O_WRONLY | O_NOFOLLOW | O_TRUNC);
    try {
      if (!fstatSync(fd).isFile()) return { ok: false, error: `refusing to write the termination report ${dir}/${name}: not a regular file` };
      const data = Buffer.from(text);
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
      return { ok: true };
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { ok: false, error: `cannot write the termination report ${dir}/${name}: ${(e as Error).message}` };
  } finally {
    held.close();
  }
}
