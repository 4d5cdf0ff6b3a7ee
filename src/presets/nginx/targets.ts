// What nginx's directives say about its neighbours: where it passes requests (fastcgi_pass,
// proxy_pass, uwsgi_pass, scgi_pass, grpc_pass, through `upstream` blocks), where it listens
// itself, whether it daemonizes, and the user its workers run as.
import { parseNginxAddress, type Endpoint } from '../endpoint.js';
import type { Source } from '../findings.js';
import type { NgxDirective } from './config.js';

export const PASS_DIRECTIVES = ['fastcgi_pass', 'proxy_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass'] as const;
export type PassDirective = (typeof PASS_DIRECTIVES)[number];

export interface PassTarget {
  directive: PassDirective;
  /** the argument as written */
  raw: string;
  endpoint: Endpoint;
  at: Source;
  /** set when the target is a `server` of an `upstream` block */
  upstream?: { name: string; at: Source };
}

export interface NginxFacts {
  targets: PassTarget[];
  listens: { endpoint: Endpoint; at: Source }[];
  daemon?: { on: boolean; at: Source };
  user?: { name: string; group?: string; at: Source };
}

type Upstreams = Map<string, { at: Source; servers: { endpoint: Endpoint; at: Source }[] }>;
type Context = 'http' | 'stream';

/** Targets whose address is in a variable are decided per request and are left out. */
export function readNginxFacts(main: readonly NgxDirective[], opts: { root: boolean }): NginxFacts {
  const facts: NginxFacts = { targets: [], listens: [] };
  for (const d of main) {
    if (d.name === 'daemon' && d.args[0]) facts.daemon = { on: d.args[0].toLowerCase() === 'on', at: d.at };
    if (d.name === 'user' && d.args[0]) facts.user = { name: d.args[0], ...(d.args[1] ? { group: d.args[1] } : {}), at: d.at };
    if ((d.name === 'http' || d.name === 'stream') && d.block) readContext(d.name, d.block, facts, opts.root);
  }
  return facts;
}

function readContext(ctx: Context, block: readonly NgxDirective[], facts: NginxFacts, root: boolean): void {
  const upstreams: Upstreams = new Map();
  for (const d of block) {
    if (d.name !== 'upstream' || !d.block || !d.args[0]) continue;
    const servers = d.block.filter((s) => s.name === 'server' && s.args[0]).flatMap((s) => {
      const a = parseNginxAddress(s.args[0]!, ctx === 'http' ? 80 : undefined);
      return a && 'endpoint' in a ? [{ endpoint: a.endpoint, at: s.at }] : [];
    });
    upstreams.set(d.args[0].toLowerCase(), { at: d.at, servers });
  }
  walk(block, (d, parents) => {
    if (d.name === 'server' && d.block && parents.length === 0) readListens(ctx, d, facts, root);
    if (!(PASS_DIRECTIVES as readonly string[]).includes(d.name) || !d.args[0] || d.args[0].includes('$')) return;
    const directive = d.name as PassDirective;
    const target = passAddress(ctx, directive, d.args[0]);
    if (!target) return;
    if ('endpoint' in target) {
      facts.targets.push({ directive, raw: d.args[0], endpoint: target.endpoint, at: d.at });
      return;
    }
    const up = upstreams.get(target.name.toLowerCase());
    if (up) {
      for (const s of up.servers) facts.targets.push({ directive, raw: d.args[0], endpoint: s.endpoint, at: d.at, upstream: { name: target.name, at: s.at } });
    } else if (target.defaultPort !== undefined) {
      const a = parseNginxAddress(target.name, target.defaultPort);
      if (a && 'endpoint' in a) facts.targets.push({ directive, raw: d.args[0], endpoint: a.endpoint, at: d.at });
    }
  });
}

function walk(block: readonly NgxDirective[], visit: (d: NgxDirective, parents: NgxDirective[]) => void, parents: NgxDirective[] = []): void {
  for (const d of block) {
    if (d.name === 'upstream') continue;
    visit(d, parents);
    if (d.block) walk(d.block, visit, [...parents, d]);
  }
}

/**
 * An address, or the name of an upstream (with the port to use when there is no such block).
 * proxy_pass in http takes a URL, http://unix:/path:/uri included; the others an address,
 * optionally after their own scheme (grpc://, uwsgi://).
 */
export function passAddress(ctx: Context, directive: PassDirective, raw: string): { endpoint: Endpoint } | { name: string; defaultPort?: number } | undefined {
  const scheme = /^([a-z]+):\/\//i.exec(raw)?.[1]?.toLowerCase();
  let rest = scheme ? raw.slice(scheme.length + 3) : raw;
  if (scheme && rest.startsWith('unix:')) {
    // http://unix:/path:/uri — the socket path ends at the next colon, if there is one
    const end = rest.indexOf(':', 5);
    const path = end < 0 ? rest.slice(5) : rest.slice(5, end);
    return path ? { endpoint: { kind: 'unix', path } } : undefined;
  }
  if (scheme) rest = rest.replace(/[/?].*$/, '');
  const defaultPort = scheme === 'https' || scheme === 'grpcs' ? 443 : scheme === 'http' ? 80 : undefined;
  const a = parseNginxAddress(rest);
  if (!a) return undefined;
  if ('endpoint' in a) return a;
  return directive === 'proxy_pass' && ctx === 'http' ? { name: a.name, defaultPort: defaultPort ?? 80 } : { name: a.name };
}

function readListens(ctx: Context, server: NgxDirective, facts: NginxFacts, root: boolean): void {
  const listens = server.block!.filter((d) => d.name === 'listen' && d.args[0]);
  for (const l of listens) {
    const a = parseNginxAddress(l.args[0]!, 80);
    if (a && 'endpoint' in a) facts.listens.push({ endpoint: a.endpoint, at: l.at });
  }
  // an http server without `listen` takes *:80 (*:8000 when not root)
  if (listens.length === 0 && ctx === 'http') facts.listens.push({ endpoint: { kind: 'tcp', port: root ? 80 : 8000 }, at: server.at });
}
