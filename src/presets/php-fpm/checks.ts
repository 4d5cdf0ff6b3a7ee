// What the php-fpm preset concludes from php-fpm's effective configuration: problems that stop
// the start, warnings, and the plan's default probe and socket directory.
import { dirname, resolve } from 'node:path';
import type { DirSpec, Probe, ServicePlan } from '../../types.js';
import { endpointProbe, formatEndpoint, probeEndpoint, serves } from '../endpoint.js';
import { at, describeOrigin, joinAnd, type PresetProblem, type PresetWarning } from '../findings.js';
import type { FpmFacts, FpmGlobal, FpmListen } from './index.js';
import { isDir } from '../../os/fs-checks.js';

/** "9000 (set by zz-docker.conf:5, overriding www.conf:41)"; the pool is named when there are several. */
export function describeListens(listens: readonly FpmListen[]): string {
  const one = (l: FpmListen) => {
    const pool = listens.length > 1 ? `pool ${l.pool}, ` : '';
    const origin = l.origin ? describeOrigin(l.origin.at, l.origin.overridden) : 'as php-fpm -tt reports it';
    return `${formatEndpoint(l.endpoint)} (${pool}${origin})`;
  };
  return joinAnd(listens.map(one));
}

function setBy(g: FpmGlobal): string {
  return g.at ? `set by ${at(g.at)}` : "php-fpm's default";
}

export function checkFpmFacts(service: ServicePlan, facts: FpmFacts): { problems: PresetProblem[]; warnings: PresetWarning[] } {
  const problems: PresetProblem[] = [];
  const warnings: PresetWarning[] = [];
  const name = service.name;
  const problem = (key: string, message: string) => problems.push({ service: name, path: `services.${name}.${key}`, message });

  if (facts.args.daemonize) {
    problem('command', 'the command has -D, so php-fpm would daemonize and berth would lose it; use -F to keep it in the foreground');
  } else if (facts.tested && !facts.args.foreground && facts.daemonize.value !== 'no') {
    problem('command', `php-fpm would daemonize (daemonize = ${facts.daemonize.value}, ${setBy(facts.daemonize)}) and the command has no -F, so berth would see it exit at once; add -F to the command`);
  }

  if (facts.tested) warnings.push(...drainWarnings(service, facts));

  if (service.ready && facts.listens) checkReady(service, service.ready, facts.listens, problem);
  return { problems, warnings };
}

function drainWarnings(service: ServicePlan, facts: FpmFacts): PresetWarning[] {
  const pct = Number(facts.processControlTimeout.value);
  const stopS = service.stopTimeoutMs / 1000;
  const where = facts.configFile ? ` in ${facts.configFile}` : '';
  const message =
    pct === 0
      ? `process_control_timeout is 0 (${setBy(facts.processControlTimeout)}), so a graceful stop (SIGQUIT) does not wait for requests in progress; set process_control_timeout = ${Math.max(1, Math.floor(stopS) - 1)}s under [global]${where}, below stopTimeout (${stopS}s)`
      : Number.isFinite(pct) && stopS > 0 && pct >= stopS
        ? `process_control_timeout is ${pct}s (${setBy(facts.processControlTimeout)}), not below stopTimeout (${stopS}s): berth kills php-fpm before its workers finish; lower one or raise the other`
        : undefined;
  return message ? [{ service: service.name, message }] : [];
}

function checkReady(service: ServicePlan, ready: Probe, listens: readonly FpmListen[], problem: (key: string, message: string) => void): void {
  const target = probeEndpoint(ready, service.cwd);
  if (!target) return; // http, file, exec, log: nothing to compare with a listen address
  const pool = listens.find((l) => serves(l.endpoint, target));
  const shown = ready.kind === 'fastcgi' ? `fastcgi ${ready.address}` : ready.kind === 'tcp' ? `tcp:${formatEndpoint(target)}` : formatEndpoint(target);
  if (!pool) {
    problem('ready', `php-fpm listens on ${describeListens(listens)}, not on ${shown}`);
    return;
  }
  if (ready.kind !== 'fastcgi') return;
  if (ready.path === pool.statusPath) return;
  if (pool.pingPath === undefined) {
    problem('ready', `the fastcgi probe asks for ${ready.path}, but pool ${pool.pool} has no ping page (ping.path is not set); add ping.path = ${ready.path} to the pool`);
  } else if (ready.path !== pool.pingPath) {
    problem('ready', `the fastcgi probe asks for ${ready.path}, but pool ${pool.pool} answers its ping at ${pool.pingPath}`);
  } else if (!(pool.pingResponse ?? 'pong').includes(ready.expect ?? 'pong')) {
    problem('ready', `the fastcgi probe expects "${ready.expect ?? 'pong'}", but pool ${pool.pool} answers "${pool.pingResponse ?? 'pong'}" (ping.response)`);
  }
}

/** No `ready`: wait on what the first pool listens on (php-fpm binds every pool before it serves any). */
export function defaultFpmProbe(service: ServicePlan, facts: FpmFacts): Probe | undefined {
  if (service.ready || !facts.listens || facts.listens.length === 0) return service.ready;
  return endpointProbe(facts.listens[0]!.endpoint);
}

/**
 * A directory for each unix socket that does not exist yet: php-fpm will not create it.
 * Existing directories are left alone (berth does not chown what it did not make).
 */
export function socketDirs(service: ServicePlan, facts: FpmFacts, exists: (p: string) => boolean = isDir): DirSpec[] {
  const wanted = new Set(service.dirs.map((d) => resolve(d.path)));
  const out: DirSpec[] = [];
  for (const l of facts.listens ?? []) {
    if (l.endpoint.kind !== 'unix') continue;
    const dir = dirname(l.endpoint.path);
    if (wanted.has(dir) || exists(dir)) continue;
    wanted.add(dir);
    out.push(service.user ? { path: dir, owner: service.user } : { path: dir });
  }
  return out;
}

