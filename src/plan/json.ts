// `berth plan --json`: the plan as data, without any env value or secret.
import type { Plan, Probe, ProcessPlan, ServicePlan } from '../types.js';
import { shownUrl } from '../readiness/probes/describe.js';
import { dependencyLevels } from './levels.js';
import { maskQuoted } from '../output/relay/mask.js';

/** A secret that ended up in an argv or a path is shown as *** (any slice of 8+ characters too). */
export const maskSecrets = maskQuoted;

function processJson<P extends ProcessPlan>(p: P, mask: (s: string) => string) {
  const { env: _values, name, argv, ...rest } = p;
  return { name, argv: argv.map(mask), ...rest };
}

function serviceJson({ presetInputs: _digest, ...s }: ServicePlan, mask: (s: string) => string) {
  const dirs = s.dirs.map((d) => ({ ...d, ...(d.mode !== undefined && { mode: `0${d.mode.toString(8)}` }) })); // as chmod writes it
  const shown = (p: Probe | undefined) => (p?.kind === 'http' ? { ...p, url: shownUrl(p.url) } : p); // no password of a URL
  return {
    ...processJson(s, mask),
    dirs,
    ...(s.ready && { ready: shown(s.ready) }),
    ...(s.liveness?.probe && { liveness: { ...s.liveness, probe: shown(s.liveness.probe) } }),
  };
}

export function planToJson(plan: Plan) {
  const mask = (s: string) => maskSecrets(s, plan.secretValues);
  const { secretValues: _secrets, tasks, services, jobs, ...top } = plan;
  // every value, not only argv: a secret interpolated into a URL or a path is still a secret
  return maskValues(
    {
      ...top,
      tasks: tasks.map((t) => processJson(t, mask)),
      services: services.map((s) => serviceJson(s, mask)),
      startOrder: services.map((s) => s.name),
      levels: dependencyLevels(services),
      ...(jobs && { jobs: jobs.map((j) => processJson(j, mask)) }),
    },
    mask,
  );
}

function maskValues<T>(v: T, mask: (s: string) => string): T {
  if (typeof v === 'string') return mask(v) as T;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => maskValues(x, mask)) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskValues(x, mask)])) as T;
}

export type PlanJson = ReturnType<typeof planToJson>;
