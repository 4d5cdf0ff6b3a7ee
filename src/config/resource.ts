// waitFor resources as written: tcp://host:port, http(s)://…, unix:/path, file:/path.
import type { Probe } from '../types.js';
import { fail, type Parsed } from './parsed.js';
import { expected, quote } from './describe.js';
import { parseProbeString } from './probe.js';
import { closest } from './suggest.js';

export type Resource = Exclude<Probe, { kind: 'exec' | 'log' | 'fastcgi' }>;
const RESOURCES = 'tcp://host:port, http://…, https://…, unix:/path or file:/path';

export function parseResource(v: unknown): Parsed<Resource> {
  if (typeof v !== 'string') return fail(expected(`a resource like ${RESOURCES}`, v));
  const scheme = /^([a-z][\w+.-]*):/i.exec(v.trim())?.[1]?.toLowerCase();
  const r = parseProbeString(v);
  if (scheme === 'tcp' && !(r.ok && r.value.kind === 'tcp' && r.value.host !== undefined)) {
    return fail(`expected tcp://host:port with a port from 1 to 65535, got ${quote(v)}`);
  }
  if (r.ok) return r as Parsed<Resource>;
  if (/^[^/\s:]+:\d+$/.test(v.trim())) return fail(`unknown resource ${quote(v)}; did you mean "tcp://${v.trim()}"?`);
  const near = scheme === undefined ? undefined : closest(`${scheme}:`, ['tcp:', 'http:', 'https:', 'unix:', 'file:']);
  if (near === `${scheme}:`) return r; // a known scheme written wrong: its own message
  if (near === undefined) return fail(`unknown resource ${quote(v)}; expected ${RESOURCES}`);
  return fail(`unknown resource ${quote(v)}; expected ${RESOURCES}; did you mean "${near}"?`);
}
