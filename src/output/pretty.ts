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
  for (const [key, value] of Object.entries(rec)) {
    if (!HIDDEN.has(key) && value !== undefined) parts.push(`${key}=${showValue(value)}`);
  }
  const msg = rec.msg === undefined || rec.msg === '' ? '' : ` — ${String(rec.msg)}`;
  return parts.join(' ') + msg + '\n';
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
