// Loading koffi, on every start that spawns anything (real pipes, the subreaper), fast.
// require('koffi') costs about 5.5 ms here, most of it not the native module: Node's lookup
// of a package with "exports" loads its ESM resolver first, then koffi's wrapper finds its
// platform package, reads node's ELF header to tell glibc from musl, and adds deprecated
// aliases berth does not use. Its native module alone loads in under 1 ms. So: the native
// module koffi itself would pick, checked to be the installed koffi's own version, and the
// public require('koffi') whenever anything differs from that layout. The single executable
// has no node_modules: its koffi.node is one of its assets (koffi-sea.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadSeaKoffi } from './koffi-sea.js';
import { isSea } from './sea.js';

type Koffi = typeof import('koffi');
type LibraryHandle = import('koffi').LibraryHandle;

let koffi: Koffi | undefined;
let libc: LibraryHandle | undefined;
let nativeDir: string | undefined;

/** where the single executable may write koffi's native module if /tmp will not do (BERTH_NATIVE_DIR) */
export function setNativeDir(dir: string | undefined): void {
  nativeDir = dir || undefined;
}

/**
 * Binds functions of the C library already in the process (koffi.load(null): glibc and musl
 * alike) with bind, for libc.ts, sock-diag.ts and port-hold.ts; error says why it cannot
 * (not Linux, no koffi), and the caller goes on without.
 */
export function bindLibc<T>(bind: (koffi: Koffi, lib: LibraryHandle) => T): { value?: T; error?: string } {
  if (process.platform !== 'linux') return { error: `not Linux (${process.platform})` };
  try {
    const k = requireKoffi();
    libc ??= k.load(null);
    return { value: bind(k, libc) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export function requireKoffi(): Koffi {
  koffi ??= isSea() ? loadSeaKoffi(nativeDir) : (fastKoffi() ?? (createRequire(import.meta.url)('koffi') as Koffi));
  return koffi;
}

function fastKoffi(): Koffi | undefined {
  const req = createRequire(import.meta.url);
  for (const dir of req.resolve.paths('koffi') ?? []) {
    let version: unknown;
    try {
      version = (JSON.parse(readFileSync(join(dir, 'koffi', 'package.json'), 'utf8')) as { version?: unknown }).version;
    } catch {
      continue; // not installed here: the next node_modules up
    }
    const triplet = `${isMusl() ? 'musl' : process.platform}_${process.arch}`;
    const platformPackage = `@koromix/koffi-${process.platform}-${process.arch}`;
    // where npm puts koffi's platform package: beside koffi, or inside it
    for (const base of [join(dir, platformPackage), join(dir, 'koffi', 'node_modules', platformPackage)]) {
      try {
        const native = req(join(base, triplet, 'koffi.node')) as Koffi;
        if (native.version === version) return native;
      } catch {
        // not there, or not loadable here
      }
    }
    return undefined;
  }
  return undefined;
}

/** node itself runs on musl (Alpine): its dynamic loader is ld-musl-*, mapped in this process */
function isMusl(): boolean {
  try {
    return readFileSync('/proc/self/maps', 'latin1').includes('/ld-musl-');
  } catch {
    return false;
  }
}
