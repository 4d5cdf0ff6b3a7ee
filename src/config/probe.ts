// Readiness probes as written (`ready:` and `--ready`), checked and turned into a Probe.
import type { Probe } from '../types.js';
import { ok, fail, type Parsed } from './parsed.js';
import { describeValue, expected, quote } from './describe.js';
import { closest, didYouMean } from './suggest.js';
import { splitShellWords } from './shell-words.js';

const FORMS = 'expected unix:, tcp:, http:, https:, file:, exec, log or fastcgi';
const PREFIXES = ['unix:', 'tcp:', 'http:', 'https:', 'file:'];
const OBJECT_KEYS: Record<string, string[]> = {
  http: ['http', 'status'],
  exec: ['exec'],
  log: ['log'],
  fastcgi: ['fastcgi', 'path', 'expect'],
};

export function parsePort(s: string): number | undefined {
  const n = /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= 65535 ? n : undefined;
}

function parseTcp(target: string, written: string): Parsed<Probe> {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?([^:]+)$/.exec(target.replace(/^\/\//, ''));
  const port = m ? parsePort(m[2]!) : undefined;
  if (!m || port === undefined) return fail(`expected tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535, got ${quote(written)}`);
  const host = m[1]?.replace(/^\[|\]$/g, '');
  return ok(host === undefined ? { kind: 'tcp', port } : { kind: 'tcp', host, port });
}

function parseUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

function unknownForm(s: string): string {
  const prefix = /^[A-Za-z][\w+.-]*:/.exec(s)?.[0] ?? s;
  const near = closest(prefix, PREFIXES);
  const hint = near ? `; did you mean "${near}"?` : /^\d+$/.test(s) ? `; did you mean "tcp:${s}"?` : s.startsWith('/') ? `; did you mean "unix:${s}" or "file:${s}"?` : '';
  return `unknown probe ${quote(prefix)}; ${FORMS}${hint}`;
}

export function parseProbeString(raw: string): Parsed<Probe> {
  const s = raw.trim();
  const colon = s.indexOf(':');
  const scheme = colon < 0 ? '' : s.slice(0, colon + 1).toLowerCase();
  const rest = s.slice(colon + 1);
  if ((scheme === 'unix:' || scheme === 'file:') && rest !== '') return ok({ kind: scheme === 'unix:' ? 'unix' : 'file', path: rest });
  if (scheme === 'unix:' || scheme === 'file:') return fail(`expected ${scheme}/path, got ${quote(raw)}`);
  if (scheme === 'tcp:') return parseTcp(rest, raw);
  if (scheme === 'http:' || scheme === 'https:') {
    return parseUrl(s) ? ok({ kind: 'http', url: s }) : fail(`expected a URL like http://127.0.0.1:3000/health, got ${quote(raw)}`);
  }
  return fail(unknownForm(s));
}

function argvOf(v: unknown): string[] | undefined {
  if (typeof v === 'string') {
    const r = splitShellWords(v);
    return r.ok && r.argv.length > 0 ? r.argv : undefined;
  }
  const scalars = Array.isArray(v) && v.length > 0 && v.every((a) => ['string', 'number', 'boolean'].includes(typeof a));
  return scalars ? (v as unknown[]).map(String) : undefined;
}

function parseProbeObject(o: Record<string, unknown>): Parsed<Probe> {
  const keys = Object.keys(o);
  const kind = keys.find((k) => Object.hasOwn(OBJECT_KEYS, k)); // not `in`: { constructor: x } is no probe kind
  if (kind === undefined) {
    const first = keys[0];
    const hint = first === undefined ? '' : didYouMean(first, Object.keys(OBJECT_KEYS));
    return fail(`${first === undefined ? 'empty probe' : `unknown probe key ${quote(first)}`}; ${FORMS}${hint}`);
  }
  const stray = keys.find((k) => !OBJECT_KEYS[kind]!.includes(k));
  if (stray !== undefined) return fail(`unknown key ${quote(stray)} in ${kind === 'exec' || kind === 'http' ? 'an' : 'a'} ${kind} probe${didYouMean(stray, OBJECT_KEYS[kind]!)}`);
  if (kind === 'http') {
    const url = typeof o.http === 'string' ? parseUrl(o.http) : undefined;
    if (url === undefined) return fail(`http: ${expected('a URL like http://127.0.0.1:3000/health', o.http)}`);
    if (o.status === undefined) return ok({ kind: 'http', url });
    // only a number or a string is converted: Number({ toString: x }) throws
    const status = typeof o.status === 'string' ? Number(o.status.trim()) : typeof o.status === 'number' ? o.status : NaN;
    const valid = Number.isInteger(status) && status >= 100 && status <= 599;
    return valid ? ok({ kind: 'http', url, status }) : fail(`status: ${expected('an HTTP status from 100 to 599', o.status)}`);
  }
  if (kind === 'exec') {
    const argv = argvOf(o.exec);
    return argv ? ok({ kind: 'exec', argv }) : fail(`exec: ${expected('a command as a string or a list of strings', o.exec)}`);
  }
  if (kind === 'log') {
    if (typeof o.log !== 'string' || o.log === '') return fail(`log: ${expected('a regular expression', o.log)}`);
    try {
      new RegExp(o.log);
    } catch (e) {
      return fail(`log: invalid regular expression ${quote(o.log)}: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '')}`);
    }
    return ok({ kind: 'log', regex: o.log });
  }
  if (typeof o.fastcgi !== 'string' || o.fastcgi === '') return fail(`fastcgi: ${expected('an address like unix:/run/php-fpm.sock or 127.0.0.1:9000', o.fastcgi)}`);
  if (o.path !== undefined && (typeof o.path !== 'string' || !o.path.startsWith('/'))) return fail(`path: ${expected('a path like /ping', o.path)}`);
  if (o.expect !== undefined && typeof o.expect !== 'string') return fail(`expect: ${expected('the text the page answers, like pong', o.expect)}`);
  const path = (o.path as string | undefined) ?? '/ping';
  return ok({ kind: 'fastcgi', address: o.fastcgi, path, ...(o.expect !== undefined ? { expect: o.expect as string } : {}) });
}

/** `{replica}` in a probe string: the replica's number (tcp:300{replica}). */
export const REPLICA_MARK = '{replica}';

function mentionsReplica(v: unknown): boolean {
  if (typeof v === 'string') return v.includes(REPLICA_MARK);
  if (Array.isArray(v)) return v.some(mentionsReplica);
  return v !== null && typeof v === 'object' && Object.values(v).some(mentionsReplica);
}

function withReplica(v: unknown, n: number): unknown {
  if (typeof v === 'string') return v.split(REPLICA_MARK).join(String(n));
  if (Array.isArray(v)) return v.map((x) => withReplica(x, n));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withReplica(x, n)]));
  return v;
}

/**
 * The probe as replica `n` sees it. A probe that mentions {replica} keeps what was
 * written (perReplica) and is parsed again per replica; replica 1's form is checked at load.
 */
export function probeForReplica(probe: Probe, n: number): Parsed<Probe> {
  if (probe.perReplica === undefined) return ok(probe);
  const r = parseWritten(withReplica(probe.perReplica, n));
  return r.ok ? ok(r.value) : fail(`replica ${n}: ${r.message}`);
}

export function parseProbe(v: unknown): Parsed<Probe> {
  if (!mentionsReplica(v)) return parseWritten(v);
  const r = parseWritten(withReplica(v, 1));
  return r.ok ? ok({ ...r.value, perReplica: v as string | Record<string, unknown> }) : r;
}

function parseWritten(v: unknown): Parsed<Probe> {
  if (typeof v === 'string') return parseProbeString(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return parseProbeObject(v as Record<string, unknown>);
  const hint = typeof v === 'number' && parsePort(String(v)) ? `; did you mean "tcp:${v}"?` : '';
  return fail(`expected a probe like unix:/path, tcp:PORT, http://… or { exec: [...] }, got ${describeValue(v)}${hint}`);
}
