// Which program a preset runs: php-fpm is `php-fpm` in the official images and `php-fpm8.2`
// in Debian's packages, so the name is looked up on the child's own PATH.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, join, resolve } from 'node:path';
import type { PresetName } from '../types.js';

function executable(file: string): boolean {
  try {
    return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

function pathDirs(pathVar: string, cwd: string): string[] {
  return pathVar.split(delimiter).filter(Boolean).map((d) => resolve(cwd, d));
}

/** The file execvp() would run for `name`, or undefined. */
export function findOnPath(name: string, pathVar: string, cwd: string): string | undefined {
  if (name.includes('/')) return executable(resolve(cwd, name)) ? resolve(cwd, name) : undefined;
  for (const dir of pathDirs(pathVar, cwd)) {
    const file = join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

/** php-fpmX.Y with the highest version on PATH (earlier PATH entries win a tie). */
export function findVersionedPhpFpm(pathVar: string, cwd: string): string | undefined {
  let best: { file: string; version: number[] } | undefined;
  for (const dir of pathDirs(pathVar, cwd)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^php-fpm(\d+)\.(\d+)$/.exec(name);
      if (!m || !executable(join(dir, name))) continue;
      const version = [Number(m[1]), Number(m[2])];
      if (!best || newer(version, best.version)) best = { file: join(dir, name), version };
    }
  }
  return best?.file;
}

function newer(a: number[], b: number[]): boolean {
  return a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! > b[1]!;
}

const PROGRAMS: Record<PresetName, RegExp> = {
  'php-fpm': /^php-fpm(\d+(\.\d+)?)?$/,
  nginx: /^nginx(-debug)?$/,
};

/** Is argv[0] the preset's own program (and not a wrapper script whose config berth cannot read)? */
export function isPresetProgram(preset: PresetName, argv0: string): boolean {
  return PROGRAMS[preset].test(basename(argv0));
}

/**
 * argv with the program berth will really find: a bare `php-fpm` that is not on PATH becomes
 * the newest `php-fpmX.Y` that is. Anything else is kept as written.
 */
export function resolvePresetArgv(preset: PresetName, argv: readonly string[], pathVar: string, cwd: string): string[] {
  const [cmd, ...rest] = argv;
  if (preset !== 'php-fpm' || cmd !== 'php-fpm' || findOnPath(cmd, pathVar, cwd)) return [...argv];
  const versioned = findVersionedPhpFpm(pathVar, cwd);
  return versioned ? [basename(versioned), ...rest] : [...argv];
}
