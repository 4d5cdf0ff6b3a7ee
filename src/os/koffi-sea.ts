// koffi's native module inside the single executable (src/os/sea.ts). dlopen() takes
// only a file, so the module is written into a new directory of berth's own (mkdtemp,
// mode 0700), its name removed once it is open, and loaded through that descriptor: the
// mapping stays, and nothing another user planted or swapped in can be loaded. A read-only root or a noexec /tmp (Docker's --tmpfs default) refuses
// that; then a koffi.node beside the executable, or a directory named by BERTH_NATIVE_DIR.
// berth runs code from none of these unless no other user could have put it there.
import { closeSync, constants as fsConstants, existsSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { removeMade, untrustedCode } from './safe-path.js';
import { seaAsset } from './sea.js';

type Koffi = typeof import('koffi');

/** Loads the executable's koffi.node: beside it, in nativeDir, or in the temp directory. */
export function loadSeaKoffi(nativeDir: string | undefined): Koffi {
  const version = new TextDecoder().decode(seaAsset('koffi.version'));
  const failed: string[] = [];
  const beside = join(dirname(process.execPath), 'koffi.node');
  if (existsSync(beside)) {
    try {
      const unsafe = untrustedCode(beside);
      if (unsafe) throw new Error(`not loaded: ${unsafe}`);
      const native = dlopen(beside);
      if (native.version === version) return native;
      failed.push(`${beside} is koffi ${String(native.version)}, not ${version}`);
    } catch (err) {
      failed.push(`${beside}: ${message(err)}`);
    }
  }
  const bytes = seaAsset('koffi.node');
  if (!bytes) throw new Error(`this executable holds no koffi.node${failed.length ? ` (${failed.join('; ')})` : ''}`);
  for (const dir of nativeDir ? [nativeDir, tmpdir()] : [tmpdir()]) {
    try {
      return loadCopyIn(dir, new Uint8Array(bytes));
    } catch (err) {
      failed.push(`${dir}: ${message(err)}`);
    }
  }
  throw new Error(`koffi's native module could not be loaded (${failed.join('; ')}); put koffi.node ${version} beside ${process.execPath}, or set BERTH_NATIVE_DIR to a directory berth may write and run from`);
}

/**
 * The module written into a new 0700 directory of dir and loaded from there. With /proc, its
 * name and directory are removed as soon as it is open, and it is loaded through that
 * descriptor (/proc/self/fd/N): no path is looked up once it was made, so a user who may
 * write dir (a Kubernetes emptyDir /tmp is 0777, not sticky) cannot swap a file of theirs in.
 * Without /proc, only from a dir no other user can change (untrustedCode).
 */
function loadCopyIn(dir: string, bytes: Uint8Array): Koffi {
  const viaFd = existsSync('/proc/self/fd');
  const unsafe = viaFd ? undefined : untrustedCode(dir);
  if (unsafe) throw new Error(`not used without /proc: ${unsafe}`);
  const own = mkdtempSync(join(dir, 'berth-koffi-'));
  const file = join(own, 'koffi.node');
  let fd: number | undefined;
  try {
    const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fsConstants;
    fd = openSync(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o500);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    if (!viaFd) return dlopen(file);
    removeMade(own, ['koffi.node']);
    return dlopen(`/proc/self/fd/${fd}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
    removeMade(own, ['koffi.node']); // gone already, unless something failed
  }
}

function dlopen(file: string): Koffi {
  const mod = { exports: {} as Koffi };
  process.dlopen(mod, file);
  return mod.exports;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
