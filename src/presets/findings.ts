// What the presets report, and how they name the place a setting came from.
import { basename, dirname } from 'node:path';

/** A reason not to start: `path` is the config key it is about (services.php-fpm.ready). */
export interface PresetProblem {
  service: string;
  path: string;
  message: string;
}

export interface PresetWarning {
  service: string;
  message: string;
}

/** A line in a php-fpm or nginx config file. */
export interface Source {
  file: string;
  line: number;
}

export const at = (s: Source): string => `${s.file}:${s.line}`;

/** `other` by its base name when it sits beside `anchor`: the anchor already says the directory. */
function near(other: Source, anchor: Source): string {
  return dirname(other.file) === dirname(anchor.file) ? `${basename(other.file)}:${other.line}` : at(other);
}

/**
 * "set by /usr/local/etc/php-fpm.d/zz-docker.conf:5, overriding www.conf:41": the winning
 * assignment and the earlier ones it replaced, latest first.
 */
export function describeOrigin(set: Source, overridden: readonly Source[]): string {
  const earlier = [...overridden].reverse().map((o) => near(o, set));
  return earlier.length === 0 ? `set by ${at(set)}` : `set by ${at(set)}, overriding ${joinAnd(earlier)}`;
}

export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** One line of a command for a message, quoted where a word has spaces. */
export function showCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
