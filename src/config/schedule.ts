// A job's `schedule` and `timezone`: five cron fields, @hourly and its kin, or
// `@every DURATION`. Each cron field is checked here, so a message names the field and
// what it takes; croner (loaded on first use, only by a config with jobs) checks the rest
// and computes the run times.
import { createRequire } from 'node:module';
import { ok, fail, type Parsed } from './parsed.js';
import { expected, quote } from './describe.js';
import { parseDuration } from './duration.js';

export type Schedule = { kind: 'cron'; expr: string } | { kind: 'every'; everyMs: number };

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** croner's extras in this field: L (last), W (nearest weekday), # (nth weekday), ? */
  extra?: RegExp;
}

const FIELDS: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, extra: /^(?:\?|L(?:-\d{1,2})?|LW|\d{1,2}W)$/i },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, extra: /^(?:\?|[0-7A-Z]{1,3}(?:L|#[1-5]))$/i },
];

const FORMS = `5 fields (minute hour day-of-month month day-of-week), ${NICKNAMES.join(', ')} or "@every DURATION"`;

/** "minute (field 1): "61" is out of range; expected …": the field, what is wrong, what it takes. */
function fieldProblem(rule: FieldRule, index: number, got: string, why: string): string {
  const range = `${rule.min}-${rule.max}${rule.names ? ` or ${rule.names[0]}-${rule.names.at(-1)}` : ''}`;
  return `${rule.name} (field ${index + 1}): ${quote(got)} ${why}; expected *, a number ${range}, a range a-b, a list a,b or a step */n`;
}

function valueOf(rule: FieldRule, s: string): number | undefined {
  if (/^\d{1,2}$/.test(s)) {
    const n = Number(s);
    return n >= rule.min && n <= rule.max ? n : undefined;
  }
  const i = rule.names?.indexOf(s.toUpperCase()) ?? -1;
  return i < 0 ? undefined : i + (rule.min === 1 ? 1 : 0);
}

function checkField(rule: FieldRule, index: number, text: string): string | undefined {
  for (const item of text.split(',')) {
    if (item === '') return fieldProblem(rule, index, text, 'has an empty item');
    if (rule.extra?.test(item)) continue;
    const [range, step, more] = item.split('/');
    if (more !== undefined) return fieldProblem(rule, index, item, 'has more than one "/"');
    if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1)) return fieldProblem(rule, index, item, `has a step that is not a whole number of 1 or more`);
    if (range === '*') continue;
    const [from, to, extra] = range!.split('-');
    if (extra !== undefined) return fieldProblem(rule, index, item, 'has more than one "-"');
    const a = valueOf(rule, from!);
    if (a === undefined) return fieldProblem(rule, index, item, from === item ? 'is out of range' : `is out of range at "${from}"`);
    if (to === undefined) continue;
    const b = valueOf(rule, to);
    if (b === undefined) return fieldProblem(rule, index, item, `is out of range at "${to}"`);
    if (a > b) return fieldProblem(rule, index, item, 'runs backwards');
  }
  return undefined;
}

export function parseSchedule(v: unknown): Parsed<Schedule> {
  if (typeof v !== 'string' || v.trim() === '') return fail(expected(FORMS, v));
  const s = v.trim().replace(/\s+/g, ' ');
  if (/^@every\b/i.test(s)) {
    const d = s.slice('@every'.length).trim();
    const ms = parseDuration(d);
    if (ms === undefined || ms < 1000) return fail(`@every: ${d === '' ? 'the duration is missing' : `${quote(d)} is not a duration of 1s or more`}; expected a duration like 30s, 5m or 1h ("@every 30s")`);
    return ok({ kind: 'every', everyMs: ms });
  }
  if (s.startsWith('@')) {
    if (NICKNAMES.includes(s.toLowerCase())) return ok({ kind: 'cron', expr: s.toLowerCase() });
    return fail(`unknown schedule ${quote(s)}; expected ${FORMS}`);
  }
  const parts = s.split(' ');
  if (parts.length !== 5) return fail(`${parts.length} field${parts.length === 1 ? '' : 's'} in ${quote(s)}; expected ${FORMS}`);
  for (let i = 0; i < 5; i++) {
    const problem = checkField(FIELDS[i]!, i, parts[i]!);
    if (problem) return fail(problem);
  }
  try {
    cron(s, 'UTC');
  } catch (e) {
    return fail(`${(e as Error).message.replace(/^CronPattern: /, '')}; expected ${FORMS}`);
  }
  return ok({ kind: 'cron', expr: s });
}

/** An IANA time zone name that this Node knows (its ICU data), like Europe/Berlin or UTC. */
export function isTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === 'Etc/UTC') return true; // asking ICU loads its zone data: 8 MB
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseTimeZone(v: unknown): Parsed<string> {
  if (typeof v !== 'string' || v.trim() === '') return fail(expected('a time zone name like Europe/Berlin or UTC', v));
  const tz = v.trim();
  return isTimeZone(tz) ? ok(tz) : fail(`unknown time zone ${quote(tz)}; expected a name from the tz database like Europe/Berlin, America/New_York or UTC`);
}

/** What berth uses of croner's Cron; declared here so that type-checking needs no croner. */
export interface Cron {
  nextRun(prev?: Date): Date | null;
}
type CronClass = new (pattern: string, options: ({ timezone: string } | { utcOffset: number }) & { mode: '5-part'; paused: boolean }) => Cron;
let CronCtor: CronClass | undefined;

/** croner, required on first use: a start without jobs never loads it. */
function loadCroner(): CronClass {
  // the bundle turns require('croner') into its vendored file; under vitest (ESM) there is no require
  CronCtor ??= ((typeof require === 'function' ? require('croner') : createRequire(import.meta.url)('croner')) as { Cron: CronClass }).Cron;
  return CronCtor;
}

/** A croner schedule that only computes times: it never starts a timer of its own. */
export function cron(expr: string, timezone: string): Cron {
  const Ctor = loadCroner();
  // UTC needs no time zone data: ICU's, loaded on first use of a zone, is 8 MB of memory
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return new Ctor(expr, { utcOffset: 0, mode: '5-part', paused: true });
  return new Ctor(expr, { timezone, mode: '5-part', paused: true });
}
