// `replicas: N` (CONTRACT §11): a service becomes N services of one process each, "queue:1"
// … "queue:N", each with its own process group, readiness, restarts and backoff, so the
// supervisor runs them as it runs any service: the service is ready when every replica
// is, one that gives up restarting ends the container as any service does, and with no
// order between them they stop at the same time.
import path from 'node:path';
import type { EventLog, ServicePlan } from '../types.js';
import type { Runner } from './runner.js';
import { probeForReplica } from '../config/probe.js';

/** The name a replica goes by in the ready file, in `berth ctl` and in pretty output: queue:2 */
export function replicaName(service: string, index: number): string {
  return `${service}:${index}`;
}

/** Each service as the processes it runs; a service with no `replicas` is left as it is. */
export function expandReplicas(services: readonly ServicePlan[], baseDir: string): ServicePlan[] {
  const names = new Map(services.map((s) => [s.name, s.replicas !== undefined && s.replicas > 1 ? range(s.replicas).map((i) => replicaName(s.name, i)) : [s.name]]));
  const after = (s: ServicePlan) => s.after.flatMap((n) => names.get(n) ?? [n]);
  return services.flatMap((s) => {
    if (s.replicas === undefined) return [{ ...s, after: after(s) }];
    return range(s.replicas).map((index) => {
      const r = s.ready ? probeForReplica(s.ready, index) : undefined;
      // checked at load for every replica (config/check.ts): a failure here is berth's bug
      if (r && !r.ok) throw new Error(`${s.name}: ${r.message}`);
      const plan: ServicePlan = {
        ...s,
        name: names.get(s.name)![index - 1]!,
        env: { ...s.env, BERTH_REPLICA: String(index) },
        envKeys: s.envKeys.includes('BERTH_REPLICA') ? s.envKeys : [...s.envKeys, 'BERTH_REPLICA'],
        after: after(s),
        replica: { service: s.name, index },
      };
      if (r) plan.ready = resolvePaths(r.value, baseDir);
      const live = s.liveness?.probe ? probeForReplica(s.liveness.probe, index) : undefined;
      if (live && !live.ok) throw new Error(`${s.name}: liveness: ${live.message}`);
      if (live) plan.liveness = { ...s.liveness!, probe: resolvePaths(live.value, baseDir) };
      return plan;
    });
  });
}

/** Relative socket and file paths in a probe resolve against the config's directory. */
function resolvePaths<P extends NonNullable<ServicePlan['ready']>>(p: P, dir: string): P {
  return p.kind === 'unix' || p.kind === 'file' ? { ...p, path: path.resolve(dir, p.path) } : p;
}

/**
 * A replica's events say `service: "queue", replica: 2` where the supervisor and the
 * service write `service: "queue:2"`: the runner it is given rewrites them.
 */
export function replicaRunner(runner: Runner, plan: ServicePlan): Runner {
  if (plan.replica === undefined) return runner;
  const { service, index } = plan.replica;
  const fields = (f: Record<string, unknown>) => (f.service === plan.name ? { ...f, service, replica: index } : f);
  const wrap = (level: keyof EventLog) => (event: string, f: Record<string, unknown>, msg: string) => runner.log[level](event, fields(f), msg);
  const log: EventLog = { trace: wrap('trace'), debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
  return Object.assign(Object.create(runner) as Runner, { log }); // the runner's own methods, this log
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
