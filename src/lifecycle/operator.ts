// berth ctl's verbs on the running services (CONTRACT §10): the ControlTarget the control
// socket drives. The supervisor hands over what it knows through getters; nothing here
// decides the container's fate except through Service itself.
import type { EventLog, Plan } from '../types.js';
import type { ActionResult, ControlTarget, Names, ReloadOutcome, ServiceStatus, StatusSnapshot, TaskStatus } from '../control/target.js';
import type { JobsControl } from '../jobs/control.js';
import { describeProbe } from '../readiness/probes/describe.js';
import { expandReplicas } from './replicas.js';
import type { Service } from './service.js';
import { VERSION } from '../version.js';

export interface OperatorDeps {
  log: EventLog;
  /** the plan berth runs now (after a reload, the new one) */
  plan(): Plan;
  /** the services once they exist; empty while tasks run */
  services(): Service[];
  tasks(): TaskStatus[];
  jobs?(): JobsControl | undefined;
  /** shutting down: every action is refused */
  stopping(): boolean;
  ready(): boolean;
  lastLines(name: string, n: number): string[];
  /** undefined until the services run */
  reload(dryRun: boolean): Promise<ReloadOutcome | undefined>;
  now?: () => number;
}

export function createOperator(d: OperatorDeps): ControlTarget {
  const now = d.now ?? Date.now;
  const startedAt = now() - process.uptime() * 1000;
  const find = (name: string) => d.services().find((s) => s.name === name);
  const notYet = (name: string): ActionResult => ({ ok: false, code: 'not-ready', message: `${name} has not started yet: berth is still ${d.services().length ? 'starting services' : 'running its tasks'}` });

  // `queue` is every replica of queue (queue:1 … queue:N), `queue:2` one of them
  const processesOf = (name: string): string[] => {
    const replicas = d.services().filter((s) => s.plan.replica?.service === name && s.name !== name);
    return replicas.length ? replicas.map((s) => s.name) : [name];
  };
  const fanOut = async (name: string, act: (one: string) => Promise<ActionResult> | ActionResult): Promise<ActionResult> => {
    const names = processesOf(name);
    if (names.length === 1) return act(names[0]!);
    return combine(await Promise.all(names.map(act)));
  };

  const target: ControlTarget = {
    names(): Names {
      const services = d.plan().services.flatMap((s) => [s.name, ...(s.replicas !== undefined && s.replicas > 1 ? Array.from({ length: s.replicas }, (_, i) => `${s.name}:${i + 1}`) : [])]);
      return { services, jobs: d.jobs?.()?.names() ?? [] };
    },
    stopping: d.stopping,
    status(): StatusSnapshot {
      const services = d.services();
      const t = now();
      const rows: ServiceStatus[] = services.length ? services.map((s) => serviceStatus(s, t)) : expandReplicas(d.plan().services, d.plan().baseDir).map((p) => ({ ...pendingRow(p.replica?.service ?? p.name), ...(p.replica && { replica: p.replica.index }), readiness: p.ready ? describeProbe(p.ready) : null }));
      return {
        berth: {
          pid: process.pid,
          version: VERSION,
          uptimeMs: Math.round(t - startedAt),
          phase: d.stopping() ? 'stopping' : services.length ? 'running' : 'starting',
          ready: d.ready(),
          configFile: d.plan().configFile ?? null,
          memory: ownMemory(),
        },
        services: rows,
        tasks: d.tasks(),
        jobs: d.jobs?.()?.status() ?? [],
      };
    },
    async restart(name) {
      const svc = find(name);
      if (!svc) return notYet(name);
      await svc.operatorStop();
      if (d.stopping()) return { ok: false, code: 'shutting-down', message: `${name} stopped; berth began shutting down, so it was not started again` };
      svc.operatorStart();
      return untilReady(svc, d.stopping, 'restarted');
    },
    async stop(name) {
      const svc = find(name);
      if (!svc) return notYet(name);
      if (svc.state === 'stopped') return { ok: true, message: `${name} was already stopped` };
      const r = await svc.operatorStop();
      const how = !r.info ? 'it was not running' : r.killed ? 'killed after its stopTimeout' : `exited ${r.info.signal ?? `with code ${r.info.code}`}`;
      return { ok: true, message: `${name} stopped (${how}); berth and the other services keep running, and berth is not ready until it is started again` };
    },
    async start(name) {
      const svc = find(name);
      if (!svc) {
        const jobs = d.jobs?.();
        if (jobs?.names().includes(name)) return jobs.start(name);
        return notYet(name);
      }
      if (svc.child) return { ok: true, message: `${name} is already running (pid ${svc.child.pid}, ${svc.state})` };
      svc.operatorStart();
      return untilReady(svc, d.stopping, 'started');
    },
    signal(name, signal) {
      const svc = find(name);
      if (!svc) return notYet(name);
      const pid = svc.child?.pid;
      if (pid === undefined || !svc.forward(signal)) return { ok: false, code: 'failed', message: `${name} is not running (${svc.state}: ${svc.reason}); no ${signal} sent` };
      const who = svc.plan.replica ? { service: svc.plan.replica.service, replica: svc.plan.replica.index } : { service: name };
      d.log.info('signal.sent', { ...who, pid, signal }, `sent ${signal} to ${name} (pid ${pid} and its group)`);
      return { ok: true, message: `sent ${signal} to ${name} (pid ${pid})`, pid };
    },
    lastLines: d.lastLines,
    follow(name, onLine) {
      const svc = find(name);
      if (svc) return svc.subscribeLines(onLine);
      // not started yet: follow it from its first line
      let unsubscribe: (() => void) | undefined;
      const timer = setInterval(() => {
        const s = find(name);
        if (!s) return;
        clearInterval(timer);
        unsubscribe = s.subscribeLines(onLine);
      }, 250);
      return () => {
        clearInterval(timer);
        unsubscribe?.();
      };
    },
    reload: d.reload,
  };
  return {
    ...target,
    restart: (name) => fanOut(name, (one) => target.restart(one)),
    stop: (name) => fanOut(name, (one) => target.stop(one)),
    start: (name) => (d.jobs?.()?.names().includes(name) ? target.start(name) : fanOut(name, (one) => target.start(one))),
    signal(name, signal) {
      const results = processesOf(name).map((one) => target.signal(one, signal));
      return results.length === 1 ? results[0]! : combine(results);
    },
    lastLines(name, n) {
      const names = processesOf(name);
      if (names.length === 1) return target.lastLines(names[0]!, n);
      return names.flatMap((one) => target.lastLines(one, n).map((line) => `${one} | ${line}`)).slice(-n);
    },
    follow(name, onLine) {
      const names = processesOf(name);
      if (names.length === 1) return target.follow(names[0]!, onLine);
      const stops = names.map((one) => target.follow(one, (line) => onLine(`${one} | ${line}`)));
      return () => stops.forEach((stop) => stop());
    },
  };
}

/** One answer for a verb that went to every replica: ok when each was, every message kept. */
function combine(results: ActionResult[]): ActionResult {
  const failed = results.find((r) => !r.ok);
  const message = results.map((r) => r.message).join('\n');
  return failed && !failed.ok ? { ok: false, code: failed.code, message, results } : { ok: true, message, results };
}

/** Resolves once the service is ready, will not be (exited, stopped), or berth stops. */
export function untilReady(svc: Service, stopping: () => boolean, did: string): Promise<ActionResult> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      if (svc.state === 'ready') return done({ ok: true, message: `${svc.name} ${did} and ready (pid ${svc.child?.pid})`, pid: svc.child?.pid });
      if (svc.notReadyReport !== undefined) return done({ ok: false, code: 'not-ready', message: `${svc.name} ${did} but is not ready: ${svc.notReadyReport}` });
      if (svc.state === 'exited' || svc.state === 'stopped') return done({ ok: false, code: 'failed', message: `${svc.name} ${did} but did not become ready: ${svc.reason}` });
      if (stopping()) return done({ ok: false, code: 'shutting-down', message: `${svc.name} ${did}, but berth began shutting down before it was ready` });
      return false;
    };
    const unsubscribe = svc.onStateChange(() => void check());
    // a shutdown changes no state of a service that never started: look now and then too
    const timer = setInterval(check, 500);
    const done = (r: ActionResult): true => {
      unsubscribe();
      clearInterval(timer);
      resolve(r);
      return true;
    };
    check();
  });
}

function pendingRow(name: string): ServiceStatus {
  return { name, state: 'pending', reason: 'waiting for the tasks', pid: null, startedAt: null, uptimeMs: null, restarts: 0, lastExit: null, ready: false, readiness: null, liveness: null };
}

function serviceStatus(s: Service, now: number): ServiceStatus {
  const running = s.child !== undefined;
  return {
    name: s.plan.replica?.service ?? s.name,
    ...(s.plan.replica && { replica: s.plan.replica.index }),
    state: s.state,
    reason: s.reason,
    pid: s.child?.pid ?? null,
    startedAt: running ? (s.startedAt ?? null) : null,
    uptimeMs: running && s.startedAt !== undefined ? now - s.startedAt : null,
    restarts: s.restartCount,
    lastExit: s.lastExit && s.lastExitAt !== undefined ? { status: s.lastStatus ?? 0, code: s.lastExit.code ?? null, signal: s.lastExit.signal ?? null, at: s.lastExitAt } : null,
    ready: s.state === 'ready',
    readiness: s.plan.ready ? describeProbe(s.plan.ready) : null,
    liveness: liveness(s),
  };
}

/** checking while it runs ready; unhealthy while its failed check stops it; idle otherwise */
function liveness(s: Service): ServiceStatus['liveness'] {
  const l = s.plan.liveness;
  const probe = l?.probe ?? s.plan.ready;
  if (!l || !probe) return null;
  const state = s.state === 'unhealthy' ? 'unhealthy' : s.state === 'ready' ? 'checking' : 'idle';
  return { state, probe: describeProbe(probe), intervalMs: l.intervalMs, failures: l.failures };
}

function ownMemory(): StatusSnapshot['berth']['memory'] {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external };
}
