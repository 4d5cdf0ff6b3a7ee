// berth's own events (CONTRACT §7): pino JSON lines through the shared sink, so they stay
// in order with the children's lines. json and pretty go to stdout, raw to stderr.
import { pino } from 'pino';
import type { EventLog, LogFormat, LogLevel } from '../types.js';
import type { Sink } from './sink/index.js';
import { formatPrettyEvent } from './pretty.js';
import { quoteMasker } from './relay/mask.js';
import { isoTime } from './iso-time.js';

export { wantsColor } from './color.js';

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  sink: Sink;
  /** pretty only; the caller decides (see wantsColor) */
  color?: boolean;
  /** ms since the epoch; replaced in tests */
  clock?: () => number;
  /**
   * Safety net for CONTRACT §2: events should never hold a secret, but a secret interpolated
   * into a command would reach `service.start`'s argv; these values are masked as *** too.
   */
  secretValues?: string[];
}

export type Logger = EventLog & {
  /** Resolves true once every accepted line is written, false after deadlineMs. */
  flush(deadlineMs: number): Promise<boolean>;
};

/** Keys pino writes itself: a field with one of these names would duplicate it. */
const RESERVED = ['level', 'time', 'msg'];

export function createLogger(opts: LoggerOptions): Logger {
  const { sink, format } = opts;
  const clock = opts.clock ?? Date.now;
  const target = format === 'raw' ? 'stderr' : 'stdout';
  const color = opts.color ?? false;
  // any slice of 8+ characters too: an event may quote a value cut short (a probe's output)
  const maskText = quoteMasker(opts.secretValues ?? []);
  // values are masked, not the serialized line: a short secret ("1", "e") must not
  // break the line's keys, numbers or quotes
  const mask = <T>(v: T, depth = 0): T => {
    if (!maskText) return v;
    if (typeof v === 'string') return maskText(v) as T;
    if (v === null || typeof v !== 'object' || depth > 32) return v;
    if (Array.isArray(v)) return v.map((x) => mask(x, depth + 1)) as T;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x, depth + 1)])) as T;
  };
  const destination = {
    write(line: string): void {
      // events are few and must never be dropped: the sink's "full" is ignored here
      if (format === 'pretty') sink.write(formatPrettyEvent(JSON.parse(line), color), target);
      else sink.write(line, target);
    },
  };
  const pinoLogger = pino(
    {
      level: opts.level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"time":"${isoTime(clock())}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );

  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields: Record<string, unknown>, msg: string): void => {
      if (!pinoLogger.isLevelEnabled(level)) return;
      const rec: Record<string, unknown> = { event, ...fields };
      rec.event = event; // assignment keeps `event` first and lets it win over a field
      for (const key of RESERVED) delete rec[key];
      // `stream` marks child output (relay); an event never carries it, so it can't pass for a child line
      if ('stream' in rec) {
        rec.stdio = rec.stream;
        delete rec.stream;
      }
      pinoLogger[level]({ ...mask(rec), event }, mask(msg)); // the event's own name is berth's, never a secret
    };

  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    flush: (deadlineMs) => sink.flush(deadlineMs),
  };
}
