// Orchestration only: DESIGN §3, top to bottom. Each phase is a function that can
// fail and says so; the exit status is decided in one place (exit-status.ts).
import type { EventLog, Plan, ProcessPlan, ServicePlan, UserSpec } from '../types.js';
import { spawnChild, isOwnChild, type Child, type Foreground, type Launcher } from '../process/child.js';
import { preflight, preflightStatus } from '../preflight/index.js';
import { ensureDirs } from '../preflight/dirs.js';
import { runTask } from './task.js';
import { stopInReverseOrder } from './stop-order.js';
import { findRunningBerth } from './second-berth.js';
import { Service } from './service.js';
import { expandReplicas, replicaRunner } from './replicas.js';
import { createJobs, type Jobs } from '../jobs/index.js';
import { installSignals } from './signals.js';
import { removeReadyFile } from '../readiness/ready-file.js';
import { ReadyGate } from './ready-gate.js';
import { causeFields, describeCause, reportEnd, type EndCause } from './end.js';
import { waitForResources } from './wait-for.js';
import { startHealthServer } from '../readiness/health.js';
import { shutdownStatus, type ShutdownCause, type StopRecord } from './exit-status.js';
import type { Runner } from './runner.js';
import type { Pid1, Pid1Session } from '../pid1/index.js';
import { openControl, taskBoard } from './control.js';
import { createReload } from './reload.js';
import type { ReloadOutcome } from '../control/target.js';

export interface Relay {
  attach(name: string, stream: 'stdout' | 'stderr', readable: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void>;
  lastLines(name: string, n?: number): string[];
  /** resolves once berth's output, holding lines, has taken nothing for log.stallTimeout */
  stalled?(signal: AbortSignal): Promise<void>;
}

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

type Outcome = ShutdownCause;

export async function supervise(initial: Plan, deps: SupervisorDeps): Promise<number> {
  const { log } = deps;
  const running = await findRunningBerth(initial, initial.control);
  if (running) {
    log.error('start.refused', { pid: running.pid, path: running.path }, running.message);
    return 78;
  }
  const gate = new ReadyGate(initial, log);
  let drain: { skip(): void; cancel(): void } | undefined;
  let cause: EndCause | undefined;
  const ended = (status: number, why: EndCause) => {
    cause = why;
    return status;
  };

  let stopSignal: NodeJS.Signals | undefined;
  let forced = false;
  let currentTask: Child | undefined;
  let taskDeadline: NodeJS.Timeout | undefined;
  let services: Service[] = [];
  let jobs: Jobs | undefined;
  const stopWaiters = new Set<() => void>();
  const decide = deferred<Outcome>();
  const tasks = taskBoard(initial.tasks);
  let current = initial;
  let reload: ((dryRun: boolean) => Promise<ReloadOutcome>) | undefined;

  // made safely, or refused (78) before anything of an earlier run is touched
  const control = await openControl(initial, log, {
    plan: () => current,
    services: () => services,
    reload: async (dryRun) => reload?.(dryRun),
    tasks: tasks.rows,
    stopping: () => stopSignal !== undefined,
    ready: () => gate.health().ready,
    lastLines: (name, n) => deps.relay.lastLines(name, n),
  });
  if (typeof control === 'number') return control;
  if (initial.readyFile) removeReadyFile(initial.readyFile);

  const removeSignals = installSignals({
    onStop(sig) {
      log.info('signal.received', { signal: sig }, `received ${sig}`);
      if (drain) {
        log.info('shutdown.drain.skipped', { signal: sig }, `second signal (${sig}) during the drain: stopping now`);
        drain.skip();
        drain = undefined;
        return;
      }
      if (stopSignal) {
        forced = true;
        log.warn('shutdown.forced', { signal: sig }, `second signal (${sig}) during shutdown: killing everything now`);
        currentTask?.signalGroup('SIGKILL');
        services.forEach((s) => s.kill());
        jobs?.kill();
        return;
      }
      stopSignal = sig;
      if (currentTask) {
        const task = currentTask;
        task.signalGroup(sig);
        // a task that ignores the signal does not hold the container past shutdownTimeout
        taskDeadline = setTimeout(() => {
          log.warn('task.kill', { pid: task.pid, afterMs: initial.shutdownTimeoutMs }, `task did not stop within ${initial.shutdownTimeoutMs} ms; sending SIGKILL`);
          task.signalGroup('SIGKILL');
        }, initial.shutdownTimeoutMs);
      }
      stopWaiters.forEach((w) => w());
      // §9: unready at once, everything running for the drain, then the stop
      if (services.length > 0 && initial.drainMs > 0 && !decide.settled) {
        gate.drain();
        log.info('shutdown.drain', { signal: sig, drainMs: initial.drainMs }, `${sig}: not ready any more; stopping in ${initial.drainMs} ms (a second signal stops now)`);
        const timer = setTimeout(() => drain?.skip(), initial.drainMs);
        drain = {
          skip() {
            clearTimeout(timer);
            drain = undefined;
            decide.resolve({ kind: 'signal', signal: sig });
          },
          cancel: () => clearTimeout(timer),
        };
        return;
      }
      decide.resolve({ kind: 'signal', signal: sig });
    },
    onForward(sig) {
      const to = [...services.filter((s) => s.forward(sig)).map((s) => s.name), ...(currentTask?.signalGroup(sig) ? ['task'] : [])];
      log.info('signal.forwarded', { signal: sig, to }, `forwarded ${sig} to ${to.join(', ') || 'nobody'}`);
    },
  });
  const pid1 = deps.pid1?.start({ log, isOwnChild });

  let health: { close(): Promise<void> } | undefined;
  const status = await (async () => { try {
    const preflightAbort = new AbortController();
    const unhookPreflight = onStop(stopWaiters, () => preflightAbort.abort());
    const checked = await checkBeforeStart(initial, log, preflightAbort.signal);
    unhookPreflight();
    if (stopSignal) return 0;
    if (typeof checked === 'number') return ended(checked, { kind: 'not-started', status: checked, reason: 'preflight found problems' });
    if (stopSignal) return 0;
    const { plan, users } = checked;
    current = plan;
    const runner = makeRunner(plan, deps, users, () => stopSignal !== undefined, stopWaiters, pid1);
    // /livez answers from here on, so a long migration is not taken for a dead pod
    if (plan.health) {
      try {
        health = await startHealthServer({ ...plan.health, state: () => gate.health() });
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is already in use' : (e as Error).message;
        log.error('health.failed', { listen: `${plan.health.host}:${plan.health.port}` }, `cannot serve health.listen ${plan.health.host}:${plan.health.port}: ${why}; nothing started`);
        return ended(78, { kind: 'not-started', status: 78, reason: `cannot serve health.listen: ${why}` });
      }
    }

    const waited = await waitForDependencies(plan, log, stopWaiters);
    if (stopSignal) return 0;
    if (waited !== 0) return ended(waited, { kind: 'not-started', status: waited, reason: 'waitFor timed out' });

    for (const task of plan.tasks) {
      if (stopSignal) break;
      tasks.running(task.name);
      const outcome = await runTask(task, runner, { onChild: (c) => (currentTask = c), stopping: () => stopSignal !== undefined });
      tasks.finished(task.name, outcome);
      if (outcome.failedWith !== undefined) {
        const why: EndCause = { kind: 'task', task: task.name, status: outcome.failedWith, reason: outcome.reason };
        log.info('shutdown.done', { status: outcome.failedWith, ...causeFields(why) }, `berth exits with ${outcome.failedWith}: ${describeCause(why)}`);
        return ended(outcome.failedWith, why);
      }
    }
    if (stopSignal) return 0; // the task that saw the signal succeeded, or there was none

    if (plan.jobs) jobs = createJobs(plan.jobs, runner);
    const outcome = await runServices(plan, runner, deps, decide, gate, (s) => (services = s), jobs, (make) => {
      if (!deps.reread) return;
      reload = createReload({ log, reread: deps.reread, current: () => current, adopt: (p) => (current = p), services, make, users, stopping: () => stopSignal !== undefined });
    });
    cause = outcome;
    return await shutdown(plan, services, outcome, runner, pid1, () => forced, jobs);
  } finally {
    drain?.cancel();
    drain = undefined;
    clearTimeout(taskDeadline);
    await health?.close();
    await control?.close();
    removeSignals();
    pid1?.stop();
  } })();
  const why = cause ?? (stopSignal ? { kind: 'signal' as const, signal: stopSignal } : undefined);
  if (why) reportEnd(initial, log, (n, k) => deps.relay.lastLines(n, k), status, why);
  return status;
}

/** §3 step 2: the written `dirs` first (nginx -t needs its own), then every check at once */
async function checkBeforeStart(initial: Plan, log: EventLog, signal: AbortSignal): Promise<{ plan: Plan; users: Map<string, UserSpec> } | number> {
  const dirProblems = ensureDirs(initial.services, log);
  const checked = await preflight(initial, { signal });
  if (signal.aborted) return 0;
  const seen = new Set(dirProblems.map((d) => d.message));
  dirProblems.push(...ensureDirs(checked.plan.services, log).filter((d) => !seen.has(d.message))); // the same dir, refused again
  const problems = [...checked.problems, ...dirProblems.map((d) => ({ kind: 'dirs' as const, name: d.service, message: d.message }))];
  for (const w of checked.warnings) log.warn('preflight.warning', { name: w.name }, `${w.name}: ${w.message}`);
  if (problems.length === 0) return { plan: checked.plan, users: checked.users };
  const lines = problems.map((p) => `${p.name}: ${p.message}`);
  log.error('preflight.failed', { problems: lines }, `preflight found ${problems.length} problem(s), nothing started:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  return preflightStatus(problems);
}

/** §3 step 3: 0 when every resource answered (or a signal cut the wait short), else 69 */
async function waitForDependencies(plan: Plan, log: EventLog, stopWaiters: Set<() => void>): Promise<number> {
  if (plan.waitFor.length === 0) return 0;
  const abort = new AbortController();
  const unhook = onStop(stopWaiters, () => abort.abort());
  const waited = await waitForResources(plan.waitFor, plan.waitTimeoutMs, { log, signal: abort.signal });
  unhook();
  if (abort.signal.aborted) return 0;
  if (!waited.ok) {
    log.error('wait.timeout', { pending: waited.pending, timeoutMs: plan.waitTimeoutMs }, `still waiting for ${waited.pending.join(', ')} after ${plan.waitTimeoutMs} ms; nothing started`);
    return 69;
  }
  log.info('wait.done', { resources: plan.waitFor }, `${plan.waitFor.join(', ')} available`);
  return 0;
}

/** make: how a reload adds a service, with the same hooks as the first ones */
async function runServices(plan: Plan, runner: Runner, deps: SupervisorDeps, decide: Deferred<Outcome>, gate: ReadyGate, publish: (s: Service[]) => void, jobs: Jobs | undefined, expose: (make: (sp: ServicePlan) => Service) => void): Promise<Outcome> {
  const { log } = deps;
  if (plan.services.length === 0 && !jobs) return { kind: 'no-services' };
  if (decide.settled) return decide.promise; // a signal came before the first service
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
          decide.resolve(svc.finalCause(status, why));
        },
      }, { foreground: deps.foreground !== undefined });
  const services: Service[] = processes.map(make);
  publish(services);
  expose(make);
  gate.watch(services);
  for (const svc of services) {
    const deps = svc.plan.after.map((n) => readyWaiters.get(n)!.promise);
    if (deps.length === 0) svc.start();
    else void Promise.all(deps).then(() => decide.settled || svc.start());
  }
  return decide.promise;
}

async function shutdown(plan: Plan, services: Service[], outcome: Outcome, runner: Runner, pid1: Pid1Session | undefined, forced: () => boolean, jobs: Jobs | undefined): Promise<number> {
  const { log } = runner;
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
  const status = shutdownStatus(outcome, records, forced());
  log.info('shutdown.done', { status, durationMs: Date.now() - started, reason: outcome.kind === 'final' ? `${outcome.service} ended` : outcome.kind === 'signal' ? outcome.signal : 'no services', ...causeFields(outcome) }, `berth exits with ${status}: ${describeCause(outcome)}`);
  return status;
}

function makeRunner(plan: Plan, deps: SupervisorDeps, users: Map<string, UserSpec>, stopping: () => boolean, stopWaiters: Set<() => void>, pid1: Pid1Session | undefined): Runner {
  return {
    log: deps.log,
    spawn(p, opts) {
      const u = p.user ? users.get(p.user) : undefined;
      const env = u?.home && !p.env.HOME ? { ...p.env, HOME: u.home } : p.env;
      const foreground = opts?.foreground && deps.foreground ? foregroundOf(p.name, deps.foreground, deps.log) : undefined;
      return spawnChild({ argv: p.argv, cwd: p.cwd, env, uid: u?.uid, gid: u?.gid, foreground, passThrough: passThrough(plan, p) });
    },
    relayOutput(name, child, onLine) {
      const relayed = Promise.all([
        child.stdout ? deps.relay.attach(name, 'stdout', child.stdout, onLine) : undefined,
        child.stderr ? deps.relay.attach(name, 'stderr', child.stderr, onLine) : undefined,
      ]).then(() => undefined);
      const stalled = deps.relay.stalled?.bind(deps.relay);
      if (!stalled) return relayed;
      // once it has exited, its last lines are waited for however slow berth's stdout, but not for a stuck one
      const giveUp = new AbortController();
      return Promise.race([relayed, child.exited.then(() => stalled(giveUp.signal))]).finally(() => giveUp.abort());
    },
    lastLines: (name, n) => deps.relay.lastLines(name, n),
    delay(ms) {
      if (stopping()) return Promise.resolve(false);
      return new Promise((resolve) => {
        const unhook = onStop(stopWaiters, () => {
          clearTimeout(t);
          resolve(false);
        });
        const t = setTimeout(() => {
          unhook();
          resolve(true);
        }, ms);
      });
    },
    adopted: () => pid1?.adopted() ?? [],
  };
}

function foregroundOf(name: string, launcher: Launcher, log: EventLog): Foreground {
  return {
    launcher,
    onStopped: (pid) => log.info('service.continued', { service: name, pid }, `${name} was stopped (Ctrl-Z) with no shell to return to; continued it`),
    onKept: (reason) => log.info('terminal.kept', { service: name, reason }, `${name} does not get the terminal: ${reason === 'NOT_FOREGROUND' ? 'berth is not in its foreground' : reason}`),
  };
}

/**
 * raw format, no secret to mask, no `log` probe to feed: berth stays out of the data
 * path (as tini does), at the cost of the last lines in a readiness report
 */
function passThrough(plan: Plan, p: ProcessPlan): boolean {
  return plan.log.format === 'raw' && plan.secretValues.length === 0 && (p as ServicePlan).ready?.kind !== 'log';
}

function onStop(waiters: Set<() => void>, fn: () => void): () => void {
  waiters.add(fn);
  return () => waiters.delete(fn);
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const d: Deferred<T> = { promise: new Promise<T>((r) => (resolve = r)), resolve: (v) => { if (!d.settled) { d.settled = true; resolve(v); } }, settled: false };
  return d;
}
