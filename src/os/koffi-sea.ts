// koffi's native module inside the single executable (src/os/sea.ts). dlopen() takes
// only a file, so the module is written into a new directory of berth's own (mkdtemp,
// mode 0700: nothing another user planted can be loaded), loaded, and removed at once:
// the mapping stays. A read-only root or a noexec /tmp (Docker's --tmpfs default) refuses
// that; then a koffi.node beside the executable, or a directory named by BERTH_NATIVE_DIR.
// berth runs code from none of these unless no other user could have put it there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { untrustedCode } from './safe-path.js';
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
    let own: string | undefined;
    try {
      const unsafe = untrustedCode(dir);
      if (unsafe) throw new Error(`not used: ${unsafe}`);
      own = mkdtempSync(join(dir, 'berth-koffi-'));
      const file = join(own, 'koffi.node');
      writeFileSync(file, new Uint8Array(bytes), { flag: 'wx', mode: 0o500 });
      return dlopen(file);
    } catch (err) {
      failed.push(`${dir}: ${message(err)}`);
    } finally {
      if (own) rmSync(own, { recursive: true, force: true });
    }
  }
  throw new Error(`koffi's native module could not be loaded (${failed.join('; ')}); put koffi.node ${version} beside ${process.execPath}, or set BERTH_NATIVE_DIR to a directory berth may write and run from`);
}

function dlopen(file: string): Koffi {
  const mod = { exports: {} as Koffi };
  process.dlopen(mod, file);
  return mod.exports;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
