// berth's events for a human: `10:00:00 berth  service.ready php-fpm pid=12 — msg`.
import { ansi, type Paint } from './color.js';

const plain: Paint = (s) => s;
const HIDDEN = new Set(['level', 'time', 'event', 'service', 'msg']);

/** Formats one parsed pino line. Time is shown in berth's local zone (UTC in most images). */
export function formatPrettyEvent(rec: Record<string, unknown>, color: boolean): string {
  const paint = color ? ansi : { dim: plain, bold: plain, red: plain, yellow: plain, cyan: plain };
  const level = String(rec.level ?? 'info');
  const parts = [paint.dim(clock(rec.time)), paint.bold('berth') + ' '];
  if (level === 'warn') parts.push(paint.yellow('WARN'));
  else if (level === 'error' || level === 'fatal') parts.push(paint.red(level.toUpperCase()));
  else if (level === 'debug' || level === 'trace') parts.push(paint.dim(level.toUpperCase()));
  if (rec.event !== undefined) parts.push(paint.cyan(String(rec.event)));
  if (rec.service !== undefined) parts.push(String(rec.service));
  const text = rec.msg === undefined ? '' : String(rec.msg);
  for (const [key, value] of Object.entries(rec)) {
    if (!HIDDEN.has(key) && value !== undefined && !saidIn(text, value)) parts.push(`${key}=${showValue(value)}`);
  }
  const msg = text === '' ? '' : ` — ${text}`;
  return parts.join(' ') + msg + '\n';
}

/** A list the message already spells out (preflight's problems), or a long text it holds: shown once, in the message. */
function saidIn(msg: string, value: unknown): boolean {
  if (typeof value === 'string') return value.length >= 20 && msg.includes(value);
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && msg.includes(v));
}

function clock(time: unknown): string {
  const d = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  if (Number.isNaN(d.getTime())) return '--:--:--';
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Bare when unambiguous, JSON otherwise (quotes, spaces, objects). */
function showValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
