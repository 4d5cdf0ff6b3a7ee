// Orchestration only: the lifecycle, top to bottom. Each phase is a function that can
// fail and says so with an exit status; what berth exits with after services ran is
// decided in one place (exit-status.ts), and why it ended is reported once (end.ts).
import type { EventLog, Plan, ServicePlan, UserSpec } from '../types.js';
import { EXIT } from '../errors.js';
import type { Child, Launcher } from '../process/child.js';
import { isOwnChild } from '../process/children.js';
import { preflight, preflightStatus } from '../preflight/index.js';
import { ensureDirs } from '../preflight/dirs.js';
import { runTask } from './task.js';
import { stopInReverseOrder } from './stop-order.js';
import { findRunningBerth } from './second-berth.js';
import { Service } from './service.js';
import { expandReplicas, replicaRunner } from './replicas.js';
import { createJobs, type Jobs } from '../jobs/index.js';
import { jobsControl } from '../jobs/control.js';
import { installSignals } from './signals.js';
import { removeReadyFile } from '../readiness/ready-file.js';
import { ReadyGate } from './ready-gate.js';
import { causeFields, describeCause, reportEnd, type EndCause } from './end.js';
import { waitForResources } from './wait-for.js';
import { startHealthServer, type HealthServer } from '../readiness/health.js';
import { shutdownStatus, type ShutdownCause, type StopRecord } from './exit-status.js';
import { createRunner, type Relay, type Runner } from './runner.js';
import { Stopping } from './stopping.js';
import { deferred, type Deferred } from './deferred.js';
import type { Pid1, Pid1Session } from '../pid1/index.js';
import { openControl, taskBoard } from './control.js';
import { createReload } from './reload.js';
import type { ReloadOutcome } from '../control/target.js';

export interface SupervisorDeps {
  log: EventLog;
  relay: Relay;
  /** reaper, subreaper and terminal; absent where libc could not load */
  pid1?: Pid1;
  /** stdin is a terminal and there is one service: it gets the terminal, started through this */
  foreground?: Launcher;
  /** the config read again, for `berth ctl reload` */
  reread?: () => Promise<Plan | { problems: string[] }>;
}

/** What is running now, and what the run is waiting on: where a stop signal goes. */
interface Run {
  stopping: Stopping;
  /** settled by the first stop signal (after the drain) or a service that ends for good */
  outcome: Deferred<ShutdownCause>;
  gate: ReadyGate;
  task: Child | undefined;
  services: Service[];
  jobs: Jobs | undefined;
  /** each task's state, for `berth ctl status` */
  tasks: ReturnType<typeof taskBoard>;
  /** the plan in force: the initial one, preflight's, then each reload's */
  current: Plan;
  /** `berth ctl reload`, once services run */
  reload?: (dryRun: boolean) => Promise<ReloadOutcome>;
}

/** The exit status, and why, when the phase that ended the run knows more than the stop signal. */
interface Ended {
  status: number;
  cause?: EndCause;
}

export async function supervise(initial: Plan, deps: SupervisorDeps): Promise<number> {
  const { log } = deps;
  const running = await findRunningBerth(initial, initial.control);
  if (running) {
    log.error('start.refused', { pid: running.pid, path: running.path }, running.message);
    return EXIT.CONFIG;
  }
  const run: Run = { stopping: new Stopping(), outcome: deferred(), gate: new ReadyGate(initial, log), task: undefined, services: [], jobs: undefined, tasks: taskBoard(initial.tasks), current: initial };
  // made safely, or refused (78) before anything of an earlier run is touched
  const control = await openControl(initial, log, {
    plan: () => run.current,
    services: () => run.services,
    reload: async (dryRun) => {
      const r = await run.reload?.(dryRun);
      run.gate.update(); // the list of services changed: a removed one may have been the last not ready
      return r;
    },
    tasks: run.tasks.rows,
    jobs: () => (run.jobs ? jobsControl(run.jobs) : undefined),
    stopping: () => run.stopping.requested,
    ready: () => run.gate.health().ready,
    lastLines: (name, n) => deps.relay.lastLines(name, n),
  });
  if (typeof control === 'number') return control;
  if (initial.readyFile) removeReadyFile(initial.readyFile);
  const signals = handleSignals(initial, log, run);
  const pid1 = deps.pid1?.start({ log, isOwnChild });
  let health: HealthServer | undefined;
  let ended: Ended;
  try {
    ended = await lifecycle(initial, deps, run, pid1, (h) => (health = h));
  } finally {
    signals.cancelTimers();
    await health?.close();
    await control?.close();
    signals.remove();
    pid1?.stop();
  }
  const stopSignal = run.stopping.signal;
  const why = ended.cause ?? (stopSignal ? { kind: 'signal' as const, signal: stopSignal } : undefined);
  if (why) reportEnd(initial, log, (n, k) => deps.relay.lastLines(n, k), ended.status, why);
  return ended.status;
}

/** Preflight, health.listen, waitFor, tasks, services, shutdown: a stop signal ends it between any two. */
async function lifecycle(initial: Plan, deps: SupervisorDeps, run: Run, pid1: Pid1Session | undefined, served: (h: HealthServer) => void): Promise<Ended> {
  const { log } = deps;
  const { stopping } = run;
  const stopped: Ended = { status: EXIT.OK };
  const notStarted = (status: number, reason: string): Ended => ({ status, cause: { kind: 'not-started', status, reason } });

  const checked = await checkBeforeStart(initial, log, stopping);
  if (stopping.requested) return stopped;
  if (typeof checked === 'number') return notStarted(checked, 'preflight found problems');
  const { plan, users } = checked;
  run.current = plan;
  const runner = createRunner({ plan, log, relay: deps.relay, users, stopping, pid1, foreground: deps.foreground });

  // /livez answers from here on, so a long migration is not taken for a dead pod
  const health = await serveHealth(plan, log, run.gate);
  if (!health.ok) return notStarted(EXIT.CONFIG, `cannot serve health.listen: ${health.why}`);
  if (health.server) served(health.server);

  const waited = await waitForDependencies(plan, log, stopping);
  if (stopping.requested) return stopped;
  if (waited !== EXIT.OK) return notStarted(waited, 'waitFor timed out');

  const failed = await runTasks(plan, runner, run);
  if (failed) return failed;
  if (stopping.requested) return stopped; // the task that saw the signal succeeded, or there was none

  // made even with no job, so a reload can add some
  run.jobs = createJobs(plan.jobs ?? [], runner);
  const cause = await runServices(plan, runner, deps, run, (make) => {
    if (!deps.reread) return;
    run.reload = createReload({ log, reread: deps.reread, current: () => run.current, adopt: (p) => (run.current = p), services: run.services, make, jobs: run.jobs!, users, stopping: () => stopping.requested });
  });
  return { status: await shutdown(plan, run, cause, runner, pid1), cause };
}

/**
 * The first stop signal goes to the running task (SIGKILL after shutdownTimeout); with
 * services running and a drain, they are unready at once and stopped after it. A signal
 * during the drain stops now; one during the stop SIGKILLs everything. Others are forwarded.
 */
function handleSignals(plan: Plan, log: EventLog, run: Run): { cancelTimers(): void; remove(): void } {
  const { stopping, outcome, gate } = run;
  let taskDeadline: NodeJS.Timeout | undefined;
  let drain: { skip(): void; cancel(): void } | undefined;
  const removeSignals = installSignals({
    onStop(sig) {
      log.info('signal.received', { signal: sig }, `received ${sig}`);
      if (drain) {
        log.info('shutdown.drain.skipped', { signal: sig }, `second signal (${sig}) during the drain: stopping now`);
        drain.skip();
        return;
      }
      if (!stopping.request(sig)) {
        log.warn('shutdown.forced', { signal: sig }, `second signal (${sig}) during shutdown: killing everything now`);
        run.task?.signalGroup('SIGKILL');
        run.services.forEach((s) => s.kill());
        run.jobs?.kill();
        return;
      }
      const task = run.task;
      if (task) {
        task.signalGroup(sig);
        // a task that ignores the signal does not hold the container past shutdownTimeout
        taskDeadline = setTimeout(() => {
          log.warn('task.kill', { pid: task.pid, afterMs: plan.shutdownTimeoutMs }, `task did not stop within ${plan.shutdownTimeoutMs} ms; sending SIGKILL`);
          task.signalGroup('SIGKILL');
        }, plan.shutdownTimeoutMs);
      }
      if (run.services.length > 0 && plan.drainMs > 0 && !outcome.settled) {
        drain = startDrain(plan, log, sig, gate, () => {
          drain = undefined;
          outcome.resolve({ kind: 'signal', signal: sig });
        });
        return;
      }
      outcome.resolve({ kind: 'signal', signal: sig });
    },
    onForward(sig) {
      const to = [...run.services.filter((s) => s.forward(sig)).map((s) => s.name), ...(run.task?.signalGroup(sig) ? ['task'] : [])];
      log.info('signal.forwarded', { signal: sig, to }, `forwarded ${sig} to ${to.join(', ') || 'nobody'}`);
    },
  });
  return {
    cancelTimers() {
      drain?.cancel();
      drain = undefined;
      clearTimeout(taskDeadline);
    },
    remove: removeSignals,
  };
}

/** Unready at once, everything still running; `stop` after drainMs, or when skipped. */
function startDrain(plan: Plan, log: EventLog, sig: NodeJS.Signals, gate: ReadyGate, stop: () => void): { skip(): void; cancel(): void } {
  gate.drain();
  log.info('shutdown.drain', { signal: sig, drainMs: plan.drainMs }, `${sig}: not ready any more; stopping in ${plan.drainMs} ms (a second signal stops now)`);
  const timer = setTimeout(stop, plan.drainMs);
  return {
    skip() {
      clearTimeout(timer);
      stop();
    },
    cancel: () => clearTimeout(timer),
  };
}

/** Preflight: the written `dirs` first (nginx -t needs its own), then every check at once. */
async function checkBeforeStart(initial: Plan, log: EventLog, stopping: Stopping): Promise<{ plan: Plan; users: Map<string, UserSpec> } | number> {
  const abort = stopping.abortOnStop();
  try {
    const dirProblems = ensureDirs(initial.services, log);
    const checked = await preflight(initial, { signal: abort.signal });
    if (abort.signal.aborted) return EXIT.OK;
    const seen = new Set(dirProblems.map((d) => d.message));
    dirProblems.push(...ensureDirs(checked.plan.services, log).filter((d) => !seen.has(d.message))); // the same dir, refused again
    const problems = [...checked.problems, ...dirProblems.map((d) => ({ kind: 'dirs' as const, name: d.service, message: d.message }))];
    for (const w of checked.warnings) log.warn('preflight.warning', { name: w.name }, `${w.name}: ${w.message}`);
    if (problems.length === 0) return { plan: checked.plan, users: checked.users };
    const lines = problems.map((p) => `${p.name}: ${p.message}`);
    log.error('preflight.failed', { problems: lines }, `preflight found ${problems.length} problem(s), nothing started:\n${lines.map((l) => `  ${l}`).join('\n')}`);
    return preflightStatus(problems);
  } finally {
    abort.done();
  }
}

/** `health.listen`, when set: the server; not ok when it cannot listen (berth exits 78, nothing started). */
async function serveHealth(plan: Plan, log: EventLog, gate: ReadyGate): Promise<{ ok: true; server?: HealthServer } | { ok: false; why: string }> {
  if (!plan.health) return { ok: true };
  try {
    return { ok: true, server: await startHealthServer({ ...plan.health, state: () => gate.health() }) };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is already in use' : (e as Error).message;
    log.error('health.failed', { listen: `${plan.health.host}:${plan.health.port}` }, `cannot serve health.listen ${plan.health.host}:${plan.health.port}: ${why}; nothing started`);
    return { ok: false, why };
  }
}

/** `waitFor`: 0 when every resource answered (or a signal cut the wait short), else 69. */
async function waitForDependencies(plan: Plan, log: EventLog, stopping: Stopping): Promise<number> {
  if (plan.waitFor.length === 0) return EXIT.OK;
  const abort = stopping.abortOnStop();
  const waited = await waitForResources(plan.waitFor, plan.waitTimeoutMs, { log, signal: abort.signal });
  abort.done();
  if (abort.signal.aborted) return EXIT.OK;
  if (!waited.ok) {
    log.error('wait.timeout', { pending: waited.pending, timeoutMs: plan.waitTimeoutMs }, `still waiting for ${waited.pending.join(', ')} after ${plan.waitTimeoutMs} ms; nothing started`);
    return EXIT.UNAVAILABLE;
  }
  log.info('wait.done', { resources: plan.waitFor }, `${plan.waitFor.join(', ')} available`);
  return EXIT.OK;
}

/** Tasks one after the other: the end of the run when one failed, undefined when all went well. */
async function runTasks(plan: Plan, runner: Runner, run: Run): Promise<Ended | undefined> {
  const { stopping } = run;
  for (const task of plan.tasks) {
    if (stopping.requested) break;
    run.tasks.running(task.name);
    const outcome = await runTask(task, runner, { onChild: (c) => (run.task = c), stopping: () => stopping.requested });
    run.tasks.finished(task.name, outcome);
    if (outcome.failedWith === undefined) continue;
    const cause: EndCause = { kind: 'task', task: task.name, status: outcome.failedWith, reason: outcome.reason };
    runner.log.info('shutdown.done', { status: outcome.failedWith, ...causeFields(cause) }, `berth exits with ${outcome.failedWith}: ${describeCause(cause)}`);
    return { status: outcome.failedWith, cause };
  }
  return undefined;
}

/**
 * Services (each replica one) in order, each once those it comes `after` are ready, and
 * jobs once every service is; resolves with what ends the run. expose: how a reload adds a
 * service, with the same hooks as the first ones.
 */
async function runServices(plan: Plan, runner: Runner, deps: SupervisorDeps, run: Run, expose: (make: (sp: ServicePlan) => Service) => void): Promise<ShutdownCause> {
  const { outcome, gate, jobs } = run;
  if (plan.services.length === 0 && !plan.jobs) return { kind: 'no-services' };
  if (outcome.settled) return outcome.promise; // a signal came before the first service
  const processes = expandReplicas(plan.services, plan.baseDir);
  if (processes.length === 0) jobs!.start(); // jobs alone: they run until a signal
  const readyWaiters = new Map<string, Deferred<void>>(processes.map((s) => [s.name, deferred<void>()]));
  const make = (sp: ServicePlan) =>
      new Service(sp, replicaRunner(runner, sp), {
        onReady(svc) {
          readyWaiters.get(svc.name)?.resolve();
        },
        onNotReady() {},
        onChange() {
          gate.update();
          // jobs first run once every service is ready; start() is once only
          if (jobs && services.every((x) => x.state === 'ready')) jobs.start();
        },
        onFinal(svc, status, why) {
          outcome.resolve(svc.finalCause(status, why));
        },
      }, { foreground: deps.foreground !== undefined });
  const services: Service[] = processes.map(make);
  run.services = services;
  expose(make);
  gate.watch(services);
  for (const svc of services) {
    const before = svc.plan.after.map((n) => readyWaiters.get(n)!.promise);
    if (before.length === 0) svc.start();
    else void Promise.all(before).then(() => outcome.settled || svc.start());
  }
  return outcome.promise;
}

/** Services in reverse order (jobs alongside), then what they left behind; the exit status from what happened. */
async function shutdown(plan: Plan, run: Run, cause: ShutdownCause, runner: Runner, pid1: Pid1Session | undefined): Promise<number> {
  const { log } = runner;
  const { services, jobs } = run;
  if (plan.readyFile) removeReadyFile(plan.readyFile);
  const deadline = Date.now() + plan.shutdownTimeoutMs;
  const started = Date.now();
  const byName = new Map(services.map((s) => [s.name, s]));
  const records: StopRecord[] = [];
  // a job's run is no service's dependency: it stops alongside them, inside the same deadline
  const jobsStopped = jobs?.stop(deadline);
  for (const { name, result } of await stopInReverseOrder(services, deadline)) {
    if (result.info) records.push({ service: name, stopSignal: byName.get(name)!.plan.stopSignal, info: result.info, killed: result.killed });
  }
  await jobsStopped;
  const leftovers = pid1?.adopted() ?? [];
  if (leftovers.length) {
    log.info('shutdown.leftovers', { pids: leftovers }, `ending ${leftovers.length} process(es) left behind by services`);
    await pid1!.endAdopted(Math.max(500, deadline - Date.now()));
  }
  const status = shutdownStatus(cause, records, run.stopping.forced);
  log.info('shutdown.done', { status, durationMs: Date.now() - started, reason: cause.kind === 'final' ? `${cause.service} ended` : cause.kind === 'signal' ? cause.signal : 'no services', ...causeFields(cause) }, `berth exits with ${status}: ${describeCause(cause)}`);
  return status;
}
