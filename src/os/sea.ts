// berth as one executable file (Node's single executable applications, built by
// scripts/build-sea.mjs): its bundle, vendored packages and koffi's native module are
// assets inside the executable, and there is no script file to run again.
import { createRequire } from 'node:module';

type Sea = typeof import('node:sea');

let sea: Sea | null | undefined;

function runningSea(): Sea | null {
  if (sea !== undefined) return sea;
  try {
    const mod = createRequire(import.meta.url)('node:sea') as Sea; // Node 20.12 and later
    sea = mod.isSea() ? mod : null;
  } catch {
    sea = null;
  }
  return sea;
}

export function isSea(): boolean {
  return runningSea() !== null;
}

/** an asset of the executable, or undefined: not the executable, or no such asset */
export function seaAsset(name: string): ArrayBuffer | undefined {
  try {
    return runningSea()?.getAsset(name);
  } catch {
    return undefined;
  }
}

/**
 * How to start this berth again with other arguments: the executable itself, or node
 * with its options and bin/berth.js. Under the executable process.argv[1] is only
 * argv[0] repeated, not a script.
 */
export function selfCommand(): string[] {
  return isSea() ? [process.execPath] : [process.execPath, ...process.execArgv, process.argv[1]!];
}

/** the file a user runs as berth: the executable, or bin/berth.js */
export function selfFile(): string | undefined {
  return isSea() ? process.execPath : process.argv[1];
}
