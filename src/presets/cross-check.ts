// CONTRACT §6: every place nginx passes requests to on this machine (a unix socket, a loopback
// or wildcard port) must be served by a service berth runs, or by nginx itself. Each match
// becomes an `after` edge, so nginx starts once its upstream is ready.
import { canonicalPath, formatEndpoint, isLocal, serves, type Endpoint } from './endpoint.js';
import { at, joinAnd, type PresetProblem } from './findings.js';
import type { NginxFacts, PassDirective, PassTarget } from './nginx/targets.js';

/** What one service listens on, and how to say so: "php-fpm listens on 9000 (set by …)". */
export interface Served {
  service: string;
  endpoints: Endpoint[];
  describe: string;
}

export interface CrossCheckInput {
  nginx: { service: string; facts: NginxFacts }[];
  served: Served[];
  /** false when some service's addresses are unknown (its own check failed): report no misses */
  complete: boolean;
  canonical?: (path: string) => string;
}

export interface CrossCheckResult {
  problems: PresetProblem[];
  /** nginx service → the services it comes after */
  after: Map<string, string[]>;
}

const VERB: Record<PassDirective, string> = {
  fastcgi_pass: 'passes PHP requests to',
  proxy_pass: 'proxies requests to',
  uwsgi_pass: 'passes uwsgi requests to',
  scgi_pass: 'passes SCGI requests to',
  grpc_pass: 'passes gRPC requests to',
};

export function crossCheck(input: CrossCheckInput): CrossCheckResult {
  const canonical = input.canonical ?? canonicalPath;
  const result: CrossCheckResult = { problems: [], after: new Map() };
  for (const { service, facts } of input.nginx) {
    const own: Served = { service, endpoints: facts.listens.map((l) => l.endpoint), describe: '' };
    const after = new Set<string>();
    const missed = new Map<string, PassTarget[]>();
    for (const t of facts.targets.filter((t) => isLocal(t.endpoint))) {
      const by = [own, ...input.served.filter((s) => s.service !== service)].filter((s) => s.endpoints.some((e) => serves(e, t.endpoint, canonical)));
      for (const s of by) if (s.service !== service) after.add(s.service);
      if (by.length > 0) continue;
      const key = t.endpoint.kind === 'unix' ? `unix:${canonical(t.endpoint.path)}` : formatEndpoint(t.endpoint);
      missed.set(key, [...(missed.get(key) ?? []), t]);
    }
    if (after.size > 0) result.after.set(service, [...after]);
    if (!input.complete) continue;
    const others = input.served.filter((s) => s.service !== service);
    for (const targets of missed.values()) result.problems.push({ service, path: `services.${service}`, message: missMessage(service, targets, others) });
  }
  return result;
}

function showTarget(e: Endpoint): string {
  return e.kind === 'tcp' && e.host === undefined ? `0.0.0.0:${e.port}` : formatEndpoint(e);
}

function place(t: PassTarget): string {
  return t.upstream ? `${at(t.at)}, upstream ${t.upstream.name} at ${at(t.upstream.at)}` : at(t.at);
}

function missMessage(service: string, targets: PassTarget[], others: Served[]): string {
  const first = targets[0]!;
  const places = [...new Set(targets.map(place))];
  const shown = places.length > 3 ? [...places.slice(0, 3), `${places.length - 3} more`] : places;
  const what = first.endpoint.kind === 'unix' ? 'socket' : 'port';
  const head = `${service} ${VERB[first.directive]} ${showTarget(first.endpoint)} (${joinAnd(shown)})`;
  if (others.length === 0) {
    return `${head} but no service berth runs listens there; give the service that does a ready: probe on it, or correct the address`;
  }
  return `${head} but ${joinAnd(others.map((o) => o.describe))}; no service serves that ${what}`;
}
