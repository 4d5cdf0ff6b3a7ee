// What a preset brings when the config does not say: its command and its stop signal.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { PresetName } from '../types.js';

export type FindProgram = (pathEnv: string | undefined) => string | undefined;

const PHP_FPM = /^php-fpm(\d+(?:\.\d+)?)?$/;

function version(name: string): number[] {
  return (PHP_FPM.exec(name)?.[1] ?? '').split('.').map(Number);
}

const newer = (a: string, b: string) => {
  const [x, y] = [version(a), version(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  return 0;
};

/** php-fpm, or the newest php-fpmX.Y, from the first PATH directory that has one. */
export const findPhpFpm: FindProgram = (pathEnv) => {
  for (const dir of (pathEnv ?? '').split(path.delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => PHP_FPM.test(n));
    } catch {
      continue;
    }
    if (names.includes('php-fpm')) return 'php-fpm';
    if (names.length > 0) return names.sort(newer)[0];
  }
  return undefined;
};

export function presetArgv(preset: PresetName, pathEnv: string | undefined, find: FindProgram = findPhpFpm): string[] {
  if (preset === 'nginx') return ['nginx', '-g', 'daemon off;'];
  return [find(pathEnv) ?? 'php-fpm', '-F']; // not found: preflight says so, with the PATH it searched
}

/** Both stop gracefully on SIGQUIT; SIGTERM makes them drop requests in flight. */
export function presetStopSignal(_preset: PresetName): NodeJS.Signals {
  return 'SIGQUIT';
}
