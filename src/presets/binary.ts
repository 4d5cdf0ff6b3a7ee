// Which program a preset runs: php-fpm is `php-fpm` in the official images and `php-fpm8.2`
// in Debian's packages, so the name is looked up on the child's own PATH (os/path-search.ts).
import { basename } from 'node:path';
import type { PresetName } from '../types.js';
import { findOnPath, findPhpFpmProgram } from '../os/path-search.js';

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
 * the `php-fpmX.Y` that is (findPhpFpmProgram). Anything else is kept as written.
 */
export function resolvePresetArgv(preset: PresetName, argv: readonly string[], pathVar: string, cwd: string): string[] {
  const [cmd, ...rest] = argv;
  if (preset !== 'php-fpm' || cmd !== 'php-fpm' || findOnPath(cmd, pathVar, cwd)) return [...argv];
  const found = findPhpFpmProgram(pathVar, cwd);
  return found ? [basename(found), ...rest] : [...argv];
}
