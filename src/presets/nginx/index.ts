// The nginx preset's look at its configuration: `nginx -T` with the service's own options
// tests it (as `nginx -t` does) and prints every file it read, which berth parses for the
// targets it passes requests to and the addresses it listens on.
import { resolve } from 'node:path';
import type { ServicePlan } from '../../types.js';
import { findOnPath } from '../../os/path-search.js';
import { readNginxArgs } from '../command-args.js';
import { formatEndpoint, probeEndpoint, serves, isLocal } from '../endpoint.js';
import { at, joinAnd, showCommand, type PresetProblem, type PresetWarning } from '../findings.js';
import { parseNginxConfig, splitNginxDump } from './config.js';
import { readNginxFacts, type NginxFacts } from './targets.js';
import { runsAsRoot } from '../socket-access.js';
import { runConfigTest, type Runner } from '../config-test.js';
import { configDigest } from '../digest.js';
import type { Captured } from '../../process/capture.js';
import { nginxAddresses } from './hold.js';
import { holdAddresses } from '../../os/port-hold.js';

export interface NginxInspection {
  /** undefined: the test failed or could not run */
  facts?: NginxFacts;
  problems: PresetProblem[];
  warnings: PresetWarning[];
  /** a digest of every file nginx -T printed: a reload signals nginx when it changed */
  digest?: string;
}

const TIMEOUT_MS = 15_000;

export async function readNginx(service: ServicePlan, opts: { signal?: AbortSignal; run?: Runner } = {}): Promise<NginxInspection> {
  const out: NginxInspection = { problems: [], warnings: [] };
  const [cmd, ...rest] = service.argv;
  const args = readNginxArgs(rest);
  const bin = findOnPath(cmd!, service.env.PATH ?? '', service.cwd);
  if (!bin) return out; // preflight's command check reports it
  // while the test runs, nothing it binds can accept a client (nginx-hold.ts)
  const hold = holdAddresses(nginxAddresses(service));
  let test: Captured;
  try {
    test = await runConfigTest([bin, ...args.testArgs], { cwd: service.cwd, env: service.env, timeoutMs: TIMEOUT_MS, signal: opts.signal }, opts.run);
  } finally {
    hold.release();
  }
  if (test.spawnError) return out;
  const command = showCommand([cmd!, ...args.testArgs]);
  const problem = (key: string, message: string) => out.problems.push({ service: service.name, path: `services.${service.name}.${key}`, message });
  if (test.exitCode !== 0) {
    problem('command', `nginx rejects its configuration: ${nginxErrors(test.stderr, service).join('; ') || `exit ${test.exitCode ?? test.signal}`} (${command})`);
    return out;
  }
  for (const w of nginxLog(test.stderr, ['warn'])) out.warnings.push({ service: service.name, message: `nginx warns: ${w}` });
  out.digest = configDigest(test.stdout);
  const dump = splitNginxDump(test.stdout, service.cwd);
  if (!dump.main) {
    out.warnings.push({ service: service.name, message: `berth cannot read nginx's configuration: ${command} printed none` });
    return out;
  }
  const parsed = parseNginxConfig(dump.main, dump.files);
  for (const p of parsed.problems) out.warnings.push({ service: service.name, message: `reading nginx's configuration: ${p}` });
  out.facts = readNginxFacts(parsed.directives, { root: runsAsRoot(service.user) });

  const daemonOff = /(^|[\s;])daemon\s+off\s*;/.test(args.globals);
  const daemon = out.facts.daemon;
  if (!daemonOff && (daemon === undefined || daemon.on)) {
    const why = daemon ? `\`daemon on;\` (${at(daemon.at)})` : "nginx's default is daemon on";
    problem('command', `nginx would daemonize: ${why} and the command lacks -g 'daemon off;', so berth would see it exit at once; add -g 'daemon off;' to the command${daemon ? ' and remove the daemon directive' : ''}`);
  }

  const ready = service.ready && probeEndpoint(service.ready, service.cwd);
  const listens = out.facts.listens;
  if (ready && isLocal(ready) && listens.length > 0 && !listens.some((l) => serves(l.endpoint, ready))) {
    const where = joinAnd(listens.map((l) => `${formatEndpoint(l.endpoint)} (${at(l.at)})`));
    problem('ready', `nginx listens on ${where}, not on ${ready.kind === 'unix' ? formatEndpoint(ready) : `port ${ready.port}`}`);
  }
  return out;
}

/**
 * "nginx: [emerg] unknown directive "x" in /etc/nginx/nginx.conf:3" and
 * "2026/11/22 10:00:00 [emerg] 12#12: open() "/run/x.pid" failed (2: …)", as "[emerg] …".
 */
function nginxLog(stderr: string, levels: readonly string[]): string[] {
  const lines = stderr.split('\n').flatMap((l) => {
    const m = /\[(emerg|alert|crit|error|warn)\]\s+(?:\d+#\d+:\s+)?(.*)$/.exec(l);
    return m && levels.includes(m[1]!) ? [`[${m[1]}] ${m[2]!.trim()}`] : [];
  });
  return [...new Set(lines)];
}

function nginxErrors(stderr: string, service: ServicePlan): string[] {
  const lines = nginxLog(stderr, ['emerg', 'alert', 'crit', 'error']);
  // `berth run` creates `dirs:` before this check; `berth check` creates nothing
  const missing = lines.map((l) => /"([^"]+)" failed \(2: /.exec(l)?.[1]).find((p) => p && service.dirs.some((d) => resolve(p).startsWith(`${resolve(d.path)}/`)));
  if (missing) lines.push(`nginx -t needs ${missing}'s directory, one of this service's dirs: berth run creates it before this check, berth check does not`);
  return lines;
}
