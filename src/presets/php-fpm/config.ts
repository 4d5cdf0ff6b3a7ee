// php-fpm's configuration as php-fpm builds it (sapi/fpm/fpm/fpm_conf.c), keeping what
// `php-fpm -tt` does not print: which file and line set each value, and what it replaced.
//  - `include=` is relative to the prefix (-p, else php-fpm's install prefix), a sorted glob,
//    read at the line where it stands; at most 5 files deep.
//  - the section in force after an include is the last one the included files opened.
//  - [name] reopens a pool case-insensitively; in a pool, `$pool` is its name as first written.
//  - a later assignment replaces an earlier one.
import type { Env } from '../../types.js';
import { READ_LIMITS, readTextBounded } from '../../os/read-bounded.js';
import { isAbsolute, join } from 'node:path';
import { lexIniLine } from './ini.js';
import { globFiles } from '../glob.js';
import type { Source } from '../findings.js';

export interface Assignment {
  value: string;
  at: Source;
}

/** Keys in lower case; each key's assignments in the order php-fpm met them (last wins). */
export type Settings = Map<string, Assignment[]>;

export interface FpmPool {
  name: string;
  at: Source;
  settings: Settings;
}

export interface FpmConfig {
  file: string;
  global: Settings;
  pools: FpmPool[];
  /** lines php-fpm would warn about or refuse, for a message when -tt gives no reason */
  notes: string[];
}

export interface FpmFiles {
  read(file: string): string | undefined;
  glob(pattern: string): string[];
}

export const diskFiles: FpmFiles = {
  read(file) {
    try {
      return readTextBounded(file, READ_LIMITS.presetConfig); // /dev/zero or 10 GB: read as missing, php-fpm -tt says the rest
    } catch {
      return undefined;
    }
  },
  glob: globFiles,
};

export interface FpmParseOptions {
  /** absolute: -p, else php-fpm's compiled-in prefix (/usr/local in the official image) */
  prefix: string;
  env: Readonly<Env>;
  files?: FpmFiles;
}

const MAX_DEPTH = 5;

export function parseFpmConfig(file: string, opts: FpmParseOptions): FpmConfig {
  const files = opts.files ?? diskFiles;
  const config: FpmConfig = { file, global: new Map(), pools: [], notes: [] };
  let pool: FpmPool | undefined;

  const set = (settings: Settings, key: string, value: string, where: Source) => {
    const list = settings.get(key) ?? [];
    list.push({ value, at: where });
    settings.set(key, list);
  };

  const load = (path: string, depth: number): void => {
    const text = files.read(path);
    if (text === undefined) {
      config.notes.push(`cannot read ${path}`);
      return;
    }
    text.split('\n').forEach((raw, i) => {
      const where = { file: path, line: i + 1 };
      const line = lexIniLine(raw, opts.env);
      if (line.kind === 'section') {
        pool = line.name.toLowerCase() === 'global' ? undefined : openPool(config, line.name, where);
      } else if (line.kind === 'entry' && line.arrayKey === undefined) {
        if (line.key === 'include') include(line.value, where, depth);
        else if (pool) set(pool.settings, line.key.toLowerCase(), line.value.split('$pool').join(pool.name), where);
        else set(config.global, line.key.toLowerCase(), line.value, where);
      } else if (line.kind === 'invalid') {
        config.notes.push(`${where.file}:${where.line}: cannot read ${JSON.stringify(line.text.trim())}`);
      }
    });
  };

  const include = (pattern: string, where: Source, depth: number) => {
    if (depth >= MAX_DEPTH) {
      config.notes.push(`${where.file}:${where.line}: includes nest deeper than ${MAX_DEPTH} files`);
      return;
    }
    const full = isAbsolute(pattern) ? pattern : join(opts.prefix, pattern);
    const matched = files.glob(full);
    if (matched.length === 0) config.notes.push(`${where.file}:${where.line}: nothing matches include=${pattern} (${full})`);
    for (const f of matched) load(f, depth + 1);
  };

  load(file, 1);
  return config;
}

function openPool(config: FpmConfig, name: string, where: Source): FpmPool {
  const found = config.pools.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (found) return found;
  const created: FpmPool = { name, at: where, settings: new Map() };
  config.pools.push(created);
  return created;
}

/** The value in force and the assignments it replaced (oldest first). */
export function winning(settings: Settings, key: string): { value: string; at: Source; overridden: Source[] } | undefined {
  const list = settings.get(key.toLowerCase());
  if (!list || list.length === 0) return undefined;
  const last = list[list.length - 1]!;
  return { value: last.value, at: last.at, overridden: list.slice(0, -1).map((a) => a.at) };
}

/** The directory a pool's relative paths hang from: its own `prefix` (itself relative to the global one). */
export function poolPrefix(pool: FpmPool, globalPrefix: string): string {
  const own = winning(pool.settings, 'prefix')?.value;
  if (!own) return globalPrefix;
  return isAbsolute(own) ? own : join(globalPrefix, own);
}

/** php-fpm's time values: 10, 10s, 2m, 1h, 1d; seconds, or undefined when unreadable. */
export function fpmSeconds(value: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
