// Command-line overrides (flags, as strings), checked and typed. A bad flag is a usage
// error (64); a bad BERTH_* variable is a config error (78). Flags beat env beat file.
import path from 'node:path';
import type { Env, LogFormat, LogLevel, Probe } from '../types.js';
import { ConfigError } from '../config/errors.js';
import { UsageError } from '../errors.js';
import { parseDuration, tooLong, DURATION_EXPECTED } from '../config/duration.js';
import { parseProbe } from '../config/probe.js';
import { parseSignal } from '../config/signal.js';
import { parseResource, type Resource } from '../config/resource.js';
import { LOG_FORMATS, LOG_LEVELS } from '../config/constants.js';
import { expected, oneOf } from '../config/describe.js';
import { didYouMean } from '../config/suggest.js';

export interface PlanOverrides {
  readyFile?: string; // --ready-file ("false": none)
  control?: string; // --control ("false": none)
  readyProbe?: string; // --ready, for the main (or only) service
  readyTimeout?: string; // --ready-timeout
  waitFor?: string[]; // --wait-for, appended to the file's
  cwd?: string; // --cwd, for the main (or only) service
  stopSignal?: string; // --stop-signal
  stopTimeout?: string; // --stop-timeout
  logFormat?: string; // --log-format
  logLevel?: string; // --log-level
  /** reads an inline mapping given to --ready; the CLI loads a YAML parser only then */
  parseMapping?: (text: string) => unknown;
}

export interface ParsedOverrides {
  readyFile?: string | false; // absolute
  control?: string | false; // absolute
  ready?: Probe;
  readyTimeoutMs?: number;
  waitFor: Resource[];
  cwd?: string; // absolute
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
}

function oneOfValues<T extends string>(value: string, allowed: readonly T[]): { ok: true; value: T } | { ok: false; message: string } {
  if ((allowed as readonly string[]).includes(value)) return { ok: true, value: value as T };
  return { ok: false, message: `${expected(`one of ${oneOf(allowed)}`, value)}${didYouMean(value, allowed)}` };
}

/** `--ready` takes the string forms, or a mapping written inline: '{ exec: [pg_isready] }'. */
function probeFromFlag(text: string, parseMapping?: (text: string) => unknown) {
  if (!text.trim().startsWith('{') || !parseMapping) return parseProbe(text);
  try {
    return parseProbe(parseMapping(text));
  } catch {
    return parseProbe(text);
  }
}

export function parseOverrides(o: PlanOverrides, cwd: string): ParsedOverrides {
  const problems: string[] = [];
  const take = <T>(flag: string, r: { ok: true; value: T } | { ok: false; message: string }): T | undefined => {
    if (!r.ok) problems.push(`${flag}: ${r.message}`);
    return r.ok ? r.value : undefined;
  };
  const dur = (v: string) => {
    const ms = parseDuration(v);
    return ms === undefined ? ({ ok: false, message: tooLong(v) ?? expected(DURATION_EXPECTED, v) } as const) : ({ ok: true, value: ms } as const);
  };
  const sig = (v: string) => {
    const r = parseSignal(v);
    return r.ok ? ({ ok: true, value: r.signal } as const) : r;
  };
  const out: ParsedOverrides = { waitFor: [] };
  if (o.readyFile !== undefined) out.readyFile = o.readyFile === 'false' || o.readyFile === '' ? false : path.resolve(cwd, o.readyFile);
  if (o.control !== undefined) out.control = o.control === 'false' || o.control === '' ? false : path.resolve(cwd, o.control);
  if (o.readyProbe !== undefined) out.ready = take('--ready', probeFromFlag(o.readyProbe, o.parseMapping));
  if (o.readyTimeout !== undefined) out.readyTimeoutMs = take('--ready-timeout', dur(o.readyTimeout));
  for (const w of o.waitFor ?? []) {
    const r = take('--wait-for', parseResource(w));
    if (r) out.waitFor.push(r);
  }
  if (o.cwd !== undefined) out.cwd = path.resolve(cwd, o.cwd);
  if (o.stopSignal !== undefined) out.stopSignal = take('--stop-signal', sig(o.stopSignal));
  if (o.stopTimeout !== undefined) out.stopTimeoutMs = take('--stop-timeout', dur(o.stopTimeout));
  if (o.logFormat !== undefined) out.logFormat = take('--log-format', oneOfValues(o.logFormat, LOG_FORMATS));
  if (o.logLevel !== undefined) out.logLevel = take('--log-level', oneOfValues(o.logLevel, LOG_LEVELS));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return out;
}

/** BERTH_READY_FILE, BERTH_CONTROL, BERTH_LOG_FORMAT, BERTH_LOG_LEVEL: between the flags and the file. */
export function parseEnvSettings(env: Env, cwd: string, flags: ParsedOverrides) {
  const problems: { path: string; message: string }[] = [];
  const pick = <T extends string>(name: string, allowed: readonly T[], flagGiven: boolean): T | undefined => {
    const v = flagGiven ? undefined : env[name]; // a flag wins: a bad variable under it does not matter
    if (v === undefined || v === '') return undefined;
    const r = oneOfValues(v, allowed);
    if (!r.ok) problems.push({ path: name, message: r.message });
    return r.ok ? r.value : undefined;
  };
  const file = env.BERTH_READY_FILE;
  const readyFile = file === undefined || file === '' ? undefined : file === 'false' ? (false as const) : path.resolve(cwd, file);
  const socket = env.BERTH_CONTROL;
  const control = socket === undefined || socket === '' ? undefined : socket === 'false' ? (false as const) : path.resolve(cwd, socket);
  const logFormat = pick('BERTH_LOG_FORMAT', LOG_FORMATS, flags.logFormat !== undefined);
  const logLevel = pick('BERTH_LOG_LEVEL', LOG_LEVELS, flags.logLevel !== undefined);
  if (problems.length > 0) throw new ConfigError(problems);
  return { readyFile, control, logFormat, logLevel };
}

/** The flags that act on one service: --ready, --cwd, … (for the message when none fits). */
export function serviceFlags(o: PlanOverrides): string[] {
  const names: [keyof PlanOverrides, string][] = [
    ['readyProbe', '--ready'],
    ['readyTimeout', '--ready-timeout'],
    ['cwd', '--cwd'],
    ['stopSignal', '--stop-signal'],
    ['stopTimeout', '--stop-timeout'],
  ];
  return names.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
}
