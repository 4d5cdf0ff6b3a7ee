// Layer presets: php-fpm and nginx, their config tests and the cross-check between them.
// May import process (capture), readiness, os, output, config, types and errors.
// CONTRACT §6: the php-fpm and nginx presets. `fillPresetDefaults` is the pure part (command,
// stop signal); `inspectPresets` runs each preset's own config test and cross-checks them.
import type { PresetName, ServicePlan } from '../types.js';
import { isPresetProgram, resolvePresetArgv } from './binary.js';
import { crossCheck, type Served } from './cross-check.js';
import { formatEndpoint, probeEndpoint, isLocal } from './endpoint.js';
import type { PresetProblem, PresetWarning } from './findings.js';
import { readNginx, type NginxInspection } from './nginx/index.js';
import { runsAsRoot, socketAccessWarnings } from './socket-access.js';
import { checkFpmFacts, defaultFpmProbe, describeListens, socketDirs } from './php-fpm/checks.js';
import { fpmTestInvocation, readPhpFpm, type FpmInspection } from './php-fpm/index.js';
import { startConfigTest } from './early.js';
export { dropConfigTests } from './early.js';
import type { Runner } from './config-test.js';

export type { PresetProblem, PresetWarning, Source } from './findings.js';
export type { Endpoint } from './endpoint.js';

export const PRESET_COMMANDS: Record<PresetName, readonly string[]> = {
  'php-fpm': ['php-fpm', '-F'],
  nginx: ['nginx', '-g', 'daemon off;'],
};

/**
 * The preset's command when none was written, and SIGQUIT (both programs' graceful stop)
 * when no stop signal was. Pass `written` when you know what the config said; without it,
 * an empty argv and an empty stopSignal count as not written. Idempotent.
 */
export function fillPresetDefaults(service: ServicePlan, written?: { command?: boolean; stopSignal?: boolean }): ServicePlan {
  if (!service.preset) return service;
  const commandWritten = written?.command ?? service.argv.length > 0;
  const signalWritten = written?.stopSignal ?? Boolean(service.stopSignal);
  return {
    ...service,
    argv: commandWritten ? service.argv : [...PRESET_COMMANDS[service.preset]],
    stopSignal: signalWritten ? service.stopSignal : 'SIGQUIT',
  };
}

export interface PresetInspection {
  problems: PresetProblem[];
  warnings: PresetWarning[];
  /** with preset commands (the binary found on PATH), stop signals, default probes, socket dirs and inferred `after` */
  services: ServicePlan[];
}

export async function inspectPresets(services: ServicePlan[], opts: { signal?: AbortSignal; run?: Runner } = {}): Promise<PresetInspection> {
  const out: PresetInspection = { problems: [], warnings: [], services: [] };
  const filled = services.map((s) => {
    const f = fillPresetDefaults(s);
    return f.preset ? { ...f, argv: resolvePresetArgv(f.preset, f.argv, f.env.PATH ?? '', f.cwd) } : f;
  });
  const inspections = await Promise.all(filled.map((s) => inspectOne(s, opts, out.warnings)));

  const served: Served[] = [];
  let complete = true;
  const nginx: { service: string; facts: NonNullable<NginxInspection['facts']> }[] = [];
  filled.forEach((s, i) => {
    const r = inspections[i];
    out.problems.push(...(r?.problems ?? []));
    out.warnings.push(...(r?.warnings ?? []));
    if (r?.digest) filled[i] = { ...filled[i]!, presetInputs: r.digest };
    if (r && 'args' in r) {
      const checks = checkFpmFacts(s, r);
      out.problems.push(...checks.problems);
      out.warnings.push(...checks.warnings);
      const ready = defaultFpmProbe(s, r);
      filled[i] = { ...filled[i]!, ...(ready ? { ready } : {}), dirs: [...s.dirs, ...socketDirs(s, r)] };
    }
    if (r && 'args' in r && r.listens) {
      served.push({ service: s.name, endpoints: r.listens.map((l) => l.endpoint), describe: `${s.name} listens on ${describeListens(r.listens)}` });
    } else if (r && 'facts' in r && r.facts) {
      nginx.push({ service: s.name, facts: r.facts });
      served.push({ service: s.name, endpoints: r.facts.listens.map((l) => l.endpoint), describe: `${s.name} listens on ${r.facts.listens.map((l) => formatEndpoint(l.endpoint)).join(', ')}` });
    } else {
      const rs = readyServed(s);
      if (rs) served.push(rs);
      // a preset whose addresses berth could not learn may serve what nginx needs
      else if (s.preset) complete = false;
    }
  });

  const fpmRoot = filled.flatMap((s, i) => {
    const r = inspections[i];
    return r && 'args' in r && r.listens && runsAsRoot(s.user) ? [{ service: s.name, listens: r.listens }] : [];
  });
  for (const n of nginx) if (runsAsRoot(filled.find((s) => s.name === n.service)?.user)) out.warnings.push(...socketAccessWarnings(n, fpmRoot));

  const cross = crossCheck({ nginx, served: served.filter((s) => s.endpoints.length > 0), complete });
  out.problems.push(...cross.problems);
  out.services = filled.map((s) => {
    const extra = (cross.after.get(s.name) ?? []).filter((n) => !s.after.includes(n));
    return extra.length > 0 ? { ...s, after: [...s.after, ...extra] } : s;
  });
  return out;
}

async function inspectOne(s: ServicePlan, opts: { signal?: AbortSignal; run?: Runner }, warnings: PresetWarning[]): Promise<FpmInspection | NginxInspection | undefined> {
  if (!s.preset) return undefined;
  if (!isPresetProgram(s.preset, s.argv[0] ?? '')) {
    warnings.push({ service: s.name, message: `the command runs ${s.argv[0]}, not ${s.preset} itself, so berth cannot check ${s.preset}'s configuration; run ${s.preset} directly to have it checked` });
    return undefined;
  }
  return s.preset === 'php-fpm' ? readPhpFpm(s, opts) : readNginx(s, opts);
}

/**
 * Starts each php-fpm service's `php-fpm -tt` now, for the preflight to take (early.ts):
 * the same command, binary and options inspectPresets would run. Services given as the
 * plan will have them; one that differs is simply not taken.
 */
export function startPresetTestsEarly(services: ReadonlyArray<Pick<ServicePlan, 'preset' | 'argv' | 'cwd' | 'env'>>): void {
  for (const s of services) {
    if (s.preset !== 'php-fpm') continue;
    const argv = resolvePresetArgv('php-fpm', s.argv, s.env.PATH ?? '', s.cwd);
    if (!isPresetProgram('php-fpm', argv[0] ?? '')) continue;
    const t = fpmTestInvocation({ argv, cwd: s.cwd, env: s.env });
    if (t) startConfigTest(t);
  }
}

function readyServed(s: ServicePlan): Served | undefined {
  const e = s.ready && probeEndpoint(s.ready, s.cwd);
  if (!e || !isLocal(e)) return undefined;
  return { service: s.name, endpoints: [e], describe: `${s.name} listens on ${formatEndpoint(e)} (its ready probe)` };
}
