// Where a process listens or connects: a unix socket or a TCP port. One shape for php-fpm's
// `listen`, nginx's `*_pass` targets and `listen`, and berth's own readiness probes.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Probe } from '../types.js';

/** `host` undefined: every address (php-fpm's `listen = 9000`, nginx's `listen 80`). */
export type Endpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host?: string; port: number };

const WILDCARDS = new Set(['*', '0.0.0.0', '::', '[::]']);

function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function tcp(host: string | undefined, port: number): Endpoint {
  const h = host === undefined ? undefined : bareHost(host);
  return h === undefined || h === '' || WILDCARDS.has(h) ? { kind: 'tcp', port } : { kind: 'tcp', host: h, port };
}

export function isLoopback(host: string): boolean {
  const h = bareHost(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** An address this container answers on itself, as opposed to another host. */
export function isLocal(e: Endpoint): boolean {
  return e.kind === 'unix' || e.host === undefined || isLoopback(e.host);
}

export function formatEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return `unix:${e.path}`;
  if (e.host === undefined) return String(e.port);
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** "HOST:PORT", "[V6]:PORT" or "PORT"; undefined port when there is none. */
export function splitHostPort(s: string): { host?: string; port?: number } | undefined {
  if (/^\d+$/.test(s)) return { port: Number(s) };
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d+))?$/.exec(s);
  if (!m) return undefined;
  return { host: m[1]!, ...(m[2] !== undefined ? { port: Number(m[2]) } : {}) };
}

/**
 * php-fpm's rule (fpm_sockets_domain_from_address): a colon or only digits is TCP, anything
 * else a unix socket path; a relative path is relative to `prefix`.
 */
export function parseFpmListen(value: string, prefix: string): Endpoint | undefined {
  if (/^\d+$/.test(value)) return tcp(undefined, Number(value));
  if (value.includes(':')) {
    const m = /^(.*):(\d+)$/.exec(value);
    return m ? tcp(m[1], Number(m[2])) : undefined;
  }
  return { kind: 'unix', path: isAbsolute(value) ? value : join(prefix, value) };
}

/** nginx's address forms: unix:/path, HOST:PORT, [V6]:PORT, HOST, PORT (`*_pass`, `server`, `listen`). */
export function parseNginxAddress(addr: string, defaultPort?: number): { endpoint: Endpoint } | { name: string } | undefined {
  if (addr.startsWith('unix:')) return addr.length > 5 ? { endpoint: { kind: 'unix', path: addr.slice(5) } } : undefined;
  const hp = splitHostPort(addr);
  if (!hp) return undefined;
  const port = hp.port ?? defaultPort;
  if (port === undefined) return hp.host ? { name: hp.host } : undefined;
  return { endpoint: tcp(hp.host, port) };
}

/** The endpoint a readiness probe waits on, when it is one (relative paths against `cwd`). */
export function probeEndpoint(probe: Probe, cwd: string): Endpoint | undefined {
  switch (probe.kind) {
    case 'unix':
      return { kind: 'unix', path: resolve(cwd, probe.path) };
    case 'tcp':
      return tcp(probe.host, probe.port);
    case 'http': {
      const u = safeUrl(probe.url);
      if (!u) return undefined;
      return tcp(u.hostname, u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);
    }
    case 'fastcgi': {
      const a = probe.address;
      if (a.startsWith('unix:') || a.startsWith('/')) return { kind: 'unix', path: resolve(cwd, a.replace(/^unix:/, '')) };
      const hp = splitHostPort(a);
      return hp?.port === undefined ? undefined : tcp(hp.host, hp.port);
    }
    default:
      return undefined;
  }
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** The probe berth waits on for a service that listens at `e`. */
export function endpointProbe(e: Endpoint): Probe {
  return e.kind === 'unix' ? { kind: 'unix', path: e.path } : { kind: 'tcp', port: e.port };
}

function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const loop = (h: string) => h === 'localhost' || h === '127.0.0.1' || h === '::1';
  return (a === 'localhost' && loop(b)) || (b === 'localhost' && loop(a));
}

/** Does something listening at `served` accept what connects to `target`? */
export function serves(served: Endpoint, target: Endpoint, canonical: (p: string) => string = canonicalPath): boolean {
  if (served.kind === 'unix' || target.kind === 'unix') {
    return served.kind === 'unix' && target.kind === 'unix' && canonical(served.path) === canonical(target.path);
  }
  if (served.port !== target.port) return false;
  return served.host === undefined || target.host === undefined || sameHost(served.host, target.host);
}

/** /var/run/x.sock and /run/x.sock are one socket when /var/run links to /run. */
export function canonicalPath(p: string): string {
  try {
    return join(realpathSync(dirname(p)), basename(p));
  } catch {
    return resolve(p);
  }
}
