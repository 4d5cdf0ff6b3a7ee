// A child's own level, read as pino's names: what a child line's `level` becomes (CONTRACT §7).
import { decodeString } from './child-json.js';

export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Finds a level in a plain (not JSON) line, e.g. nginx's `[error]`; undefined: berth's default. */
export type LevelOf = (line: string) => LineLevel | undefined;

const PINO = new Set<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** pino's names and other loggers' words (syslog, Python, Go's zap and logrus, nginx, php-fpm, log4j); a Map, so `constructor` is no level */
const WORDS = new Map<string, LineLevel>(Object.entries({
  trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', fatal: 'fatal',
  finest: 'trace', finer: 'trace', verbose: 'debug', fine: 'debug', dbg: 'debug',
  information: 'info', informational: 'info', notice: 'info', note: 'info',
  warning: 'warn', wrn: 'warn',
  err: 'error', severe: 'error',
  crit: 'fatal', critical: 'fatal', alert: 'fatal', emerg: 'fatal', emergency: 'fatal', panic: 'fatal', dpanic: 'fatal', ftl: 'fatal',
} satisfies Record<string, LineLevel>));

/** pino's and bunyan's numbers; between two, the lower one's name (35 is info). */
function numberLevel(n: number): LineLevel | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (n < 20) return 'trace';
  if (n < 30) return 'debug';
  if (n < 40) return 'info';
  if (n < 50) return 'warn';
  if (n < 60) return 'error';
  return 'fatal';
}

export interface ChildLevel {
  level: LineLevel;
  /** the child's value said no more than the name: no need to keep it (`"info"`, `30`) */
  same: boolean;
}

/** The text of a child's `level` value (a JSON string, number, or anything) as pino's name. */
export function childLevel(raw: string): ChildLevel {
  const c = raw.charCodeAt(0);
  if (c === 34 /* " */) {
    const word = decodeString(raw);
    const level = WORDS.get(word.trim().toLowerCase());
    return level ? { level, same: PINO.has(word) } : { level: 'info', same: false };
  }
  if (c === 45 || (c >= 48 && c <= 57)) {
    const n = Number(raw);
    const level = numberLevel(n);
    return level ? { level, same: n % 10 === 0 && n >= 10 && n <= 60 } : { level: 'info', same: false };
  }
  return { level: 'info', same: false };
}

/** A level word as a log line writes it (`WARNING`, `crit`), or undefined. */
export function levelWord(word: string): LineLevel | undefined {
  return WORDS.get(word.toLowerCase());
}
