// What a preset brings when the config does not say: its command and its stop signal.
import path from 'node:path';
import type { PresetName } from '../types.js';
import { findPhpFpmProgram } from '../os/path-search.js';

/** the program's name as the child will find it on `pathEnv`, from `cwd` */
export type FindProgram = (pathEnv: string | undefined, cwd: string) => string | undefined;

/** php-fpm, or the newest php-fpmX.Y, from the first PATH directory that has one (os/path-search.ts: the preflight's rule too) */
export const findPhpFpm: FindProgram = (pathEnv, cwd) => {
  const file = findPhpFpmProgram(pathEnv ?? '', cwd);
  return file === undefined ? undefined : path.basename(file);
};

export function presetArgv(preset: PresetName, pathEnv: string | undefined, cwd: string, find: FindProgram = findPhpFpm): string[] {
  if (preset === 'nginx') return ['nginx', '-g', 'daemon off;'];
  return [find(pathEnv, cwd) ?? 'php-fpm', '-F']; // not found: preflight says so, with the PATH it searched
}

/** Both stop gracefully on SIGQUIT; SIGTERM makes them drop requests in flight. */
export function presetStopSignal(_preset: PresetName): NodeJS.Signals {
  return 'SIGQUIT';
}
