// A process's end as a shell reports it: the code, 128 + signal, 127/126 when exec failed.
import { EXIT, signalStatus } from '../errors.js';

export interface ExitInfo {
  /** exit code, or undefined when ended by a signal or never started */
  code: number | undefined;
  signal: NodeJS.Signals | undefined;
  /** spawn failed: 'ENOENT', 'EACCES' … (the process never ran) */
  spawnError?: string;
}

/** Exit status in the shell's convention: the code, or 128 + signal number. */
export function exitStatus(info: ExitInfo): number {
  if (info.spawnError === 'ENOENT') return EXIT.NOT_FOUND;
  if (info.spawnError) return EXIT.NOT_EXECUTABLE;
  if (info.code !== undefined) return info.code;
  if (info.signal) return signalStatus(info.signal) ?? 128;
  return 1;
}
