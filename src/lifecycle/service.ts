// One long-running service: an explicit state machine with the reason beside the state.
import type { ServicePlan } from '../types.js';
import type { Child } from '../process/child.js';
import { exitStatus, type ExitInfo } from '../process/exit.js';
import { EXIT } from '../errors.js';
import { decideRestart, gaveUpStatus, keepHistory } from './restart.js';
import type { Runner } from './runner.js';
import { leftoversMessage, outputLeftovers } from './leftovers.js';
import { describeProbe, waitReady } from '../readiness/probes/index.js';
import { diagnoseDaemonized, diagnoseNotReady, formatElapsed } from '../readiness/diagnose.js';
import { watchLiveness } from '../readiness/liveness.js';
import type { ShutdownCause } from './exit-status.js';

/** `unhealthy`: its liveness check failed and it is being stopped; `stopped`: by an operator (berth ctl) */
export type ServiceState = 'pending' | 'starting' | 'ready' | 'unhealthy' | 'backoff' | 'stopping' | 'stopped' | 'exited';
export type FinalWhy = 'exited' | 'gave-up' | 'ready-timeout' | 'unhealthy';

export interface ServiceHooks {
  onReady(svc: Service): void;
  /** it was ready and is not any more (exited, restarting) */
  onNotReady(svc: Service): void;
  /** it will not come back: berth shuts down with `status` */
  onFinal(svc: Service, status: number, why: FinalWhy): void;
  /** after every change of state: the ready file and /readyz follow from the states */
  onChange?(svc: Service): void;
}

/** how often a probe still waiting says what it sees (CONTRACT §5: never silent for readyTimeout) */
export const READY_WAITING_MS = 10_000;

export interface ServiceOptions {
  foreground?: boolean;
  /** READY_WAITING_MS unless a test shortens it */
  readyWaitingMs?: number;
}

export interface StopResult {
  info: ExitInfo | undefined;
  killed: boolean;
}

export class Service {
  state: ServiceState = 'pending';
  reason = 'waiting for its turn';
  child: Child | undefined;
  readyAt: number | undefined;
  startedAt: number | undefined;
  /** when its last run ended, and with what status (lastExit: how) */
  lastExitAt: number | undefined;
  lastStatus: number | undefined;
  /** runs started again after the first, by policy or by an operator */
  restartCount = 0;
  /** the readiness report of a start an operator asked for that was not ready in time */
  notReadyReport: string | undefined;
  private restarts: number[] = [];
  /** the last non-zero status of its runs: what giving up exits with */
  private lastFailure: number | undefined;
  private lineListeners = new Set<(line: string) => void>();
  private stateListeners = new Set<(svc: Service) => void>();
  private readyAbort: AbortController | undefined;
  private stopped = false;
  private stopLiveness: (() => void) | undefined;
  /** this run was ended because its liveness check failed: why */
  private unhealthy: string | undefined;
  /** how its last run ended, and what its last failed liveness check saw: for the termination report */
  lastExit: ExitInfo | undefined;
  private lastUnhealthy: string | undefined;
  private relayed: Promise<void> | undefined;
  /** bumped by an operator's stop or start: a restart scheduled before it is void */
  private epoch = 0;
  /** this run was started by an operator: not being ready in time is reported to them, not fatal */
  private operatorRun = false;
  /** resolves once the current run's end was handled (onExit ran) */
  private ended: Promise<void> | undefined;

  constructor(
    public plan: ServicePlan,
    private readonly runner: Runner,
    private readonly hooks: ServiceHooks,
    private readonly opts: ServiceOptions = {},
  ) {}

  get name(): string {
    return this.plan.name;
  }

  /** spawn and watch readiness; returns once spawned (or failed to spawn) */
  start(): void {
    if (this.stopped || this.child) return;
    const { plan, runner } = this;
    const child = runner.spawn(plan, this.opts);
    if ('spawnError' in child) return this.onExit({ code: undefined, signal: undefined, spawnError: child.spawnError }, undefined);
    // exec failed (ENOENT, EACCES): Node says so a tick later; it never ran, so never ready
    if (child.pid < 0) return void child.exited.then((info) => this.onExit(info, undefined));
    this.child = child;
    this.startedAt = Date.now();
    this.setState('starting', plan.ready ? `waiting for ${describeProbe(plan.ready)}` : 'spawned');
    runner.log.info('service.start', { service: plan.name, pid: child.pid, cwd: plan.cwd, argv: plan.argv }, `${plan.name} started in ${plan.cwd}: ${plan.argv.join(' ')}`);
    const relayed = runner.relayOutput(plan.name, child, (line) => this.lineListeners.forEach((l) => l(line)));
    this.relayed = relayed;
    this.ended = child.exited.then(async (info) => {
      this.readyAbort?.abort();
      this.stopLiveness?.();
      // its output is not lost: the exit event follows the last line; a helper it left holding its output is named
      const left = await outputLeftovers(child, relayed, false);
      if (left) runner.log.warn('service.leftovers', { service: plan.name, pids: left.map((l) => l.pid), commands: left.map((l) => l.command) }, leftoversMessage('service', plan.name, left));
      this.onExit(info, child);
    });
    void this.watchReadiness(child);
  }

  private async watchReadiness(child: Child): Promise<void> {
    const { plan, runner } = this;
    if (!plan.ready) return this.markReady(child);
    const abort = new AbortController();
    this.readyAbort = abort;
    const started = Date.now();
    const timer = plan.readyTimeoutMs > 0 ? setTimeout(() => abort.abort('timeout'), plan.readyTimeoutMs) : undefined;
    const waiting = setInterval(() => this.reportWaiting(child, started), this.opts.readyWaitingMs ?? READY_WAITING_MS);
    try {
      await waitReady(plan.ready, {
        pid: child.pid,
        cwd: plan.cwd,
        env: plan.env,
        signal: abort.signal,
        subscribeLines: (cb: (line: string) => void) => {
          this.lineListeners.add(cb);
          return () => this.lineListeners.delete(cb);
        },
      });
    } catch {
      if (abort.signal.reason === 'timeout' && this.child === child && !this.stopped) {
        const report = diagnoseNotReady({ service: plan.name, probe: plan.ready, pid: child.pid, lastLines: runner.lastLines(plan.name, 20), waitedMs: Date.now() - started });
        runner.log.error('ready.timeout', { service: plan.name, ...report.fields }, report.msg);
        if (this.operatorRun) {
          // the operator who asked is told (berth ctl exits 69); the container stays up, unready
          this.notReadyReport = report.msg;
          this.setState('starting', `not ready after ${plan.readyTimeoutMs} ms (started by an operator)`);
          return;
        }
        this.reason = 'not ready in time';
        this.hooks.onFinal(this, EXIT.UNAVAILABLE, 'ready-timeout');
      }
      return;
    } finally {
      clearTimeout(timer);
      clearInterval(waiting);
    }
    if (this.child === child && !this.stopped && this.state === 'starting') this.markReady(child);
  }

  /** ready.waiting: what ready.timeout would say, without the output lines, while there is time */
  private reportWaiting(child: Child, started: number): void {
    const { plan, runner } = this;
    if (this.child !== child || this.stopped || this.state !== 'starting' || !plan.ready) return;
    const waitedMs = Date.now() - started;
    const left = plan.readyTimeoutMs > 0 ? `, ${formatElapsed(Math.max(0, plan.readyTimeoutMs - waitedMs))} before readyTimeout` : '';
    const report = diagnoseNotReady({ service: plan.name, probe: plan.ready, pid: child.pid, lastLines: [], waitedMs, headline: `not ready yet after ${formatElapsed(waitedMs)}${left}` });
    const { probe, target, processes } = report.fields;
    runner.log.info('ready.waiting', { service: plan.name, probe, waitedMs, target, processes }, report.msg);
  }

  private markReady(child: Child): void {
    this.readyAt = Date.now();
    this.operatorRun = false;
    this.notReadyReport = undefined;
    this.runner.log.info('service.ready', { service: this.name, pid: child.pid, afterMs: this.readyAt - (this.startedAt ?? this.readyAt) }, `${this.name} is ready`);
    this.setState('ready', this.plan.ready ? 'its ready probe passed' : 'started (it has no ready probe)'); // after service.ready: the last one's makes `ready`
    this.hooks.onReady(this);
    this.watchLiveness(child);
  }

  /** §9: checked from now on; failing, it is stopped and its restart policy decides */
  private watchLiveness(child: Child): void {
    const { plan, runner } = this;
    const probe = plan.liveness?.probe ?? plan.ready;
    if (!plan.liveness || !probe || this.stopped) return;
    const subscribeLines = (cb: (line: string) => void) => {
      this.lineListeners.add(cb);
      return () => this.lineListeners.delete(cb);
    };
    this.stopLiveness = watchLiveness({ ...plan.liveness, probe }, { pid: child.pid, cwd: plan.cwd, env: plan.env, subscribeLines }, {
      onFailure: (why, inARow) => runner.log.debug('liveness.failed', { service: plan.name, failures: inARow, of: plan.liveness!.failures, why }, `${plan.name}: liveness check failed (${inARow} of ${plan.liveness!.failures}): ${why}`),
      onPass: () => runner.log.trace('liveness.passed', { service: plan.name }, `${plan.name}: liveness check passed`),
      onHealthy: (after) => runner.log.info('service.healthy', { service: plan.name, afterFailures: after }, `${plan.name} passes its liveness check again after ${after} failure(s)`),
      onUnhealthy: (why, inARow) => {
        if (this.child !== child || this.stopped) return;
        const headline = `is unhealthy: ${inARow} liveness check(s) failed in a row, the last: ${why}`;
        const report = diagnoseNotReady({ service: plan.name, probe, pid: child.pid, lastLines: runner.lastLines(plan.name, 20), waitedMs: Date.now() - (this.readyAt ?? Date.now()), headline });
        runner.log.error('service.unhealthy', { service: plan.name, pid: child.pid, failures: inARow, why, ...report.fields }, report.msg);
        this.unhealthy = why;
        this.lastUnhealthy = why;
        this.readyAt = undefined;
        this.setState('unhealthy', `${inARow} liveness check(s) failed: ${why}`);
        this.hooks.onNotReady(this);
        void this.endUnhealthy(child);
      },
    });
  }

  /** as a graceful stop: its stop signal (and SIGCONT, it may be stopped), SIGKILL after stopTimeout */
  private async endUnhealthy(child: Child): Promise<void> {
    const { plan, runner } = this;
    runner.log.info('service.stop', { service: plan.name, pid: child.pid, signal: plan.stopSignal, timeoutMs: plan.stopTimeoutMs, reason: 'unhealthy' }, `stopping ${plan.name} with ${plan.stopSignal}: unhealthy`);
    child.signalGroup(plan.stopSignal);
    child.signalGroup('SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([child.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(r, plan.stopTimeoutMs, true)))]);
    clearTimeout(timer);
    if (late && !this.stopped) {
      runner.log.warn('service.kill', { service: plan.name, pid: child.pid, afterMs: plan.stopTimeoutMs }, `${plan.name} did not stop within ${plan.stopTimeoutMs} ms; sending SIGKILL`);
      child.signalGroup('SIGKILL');
    }
  }

  private onExit(info: ExitInfo, child: Child | undefined): void {
    const { plan, runner } = this;
    const wasReady = this.state === 'ready';
    const unhealthy = this.unhealthy;
    this.unhealthy = undefined;
    this.lastExit = info;
    // an unhealthy run failed, however it ended once told to stop: 69, as §4 says
    const status = unhealthy !== undefined ? EXIT.UNAVAILABLE : exitStatus(info);
    // an unhealthy run counts toward maxRestarts however long it lasted
    const ranMs = child && this.startedAt !== undefined && unhealthy === undefined ? Date.now() - this.startedAt : 0;
    if (status !== 0) this.lastFailure = status;
    this.child = undefined;
    this.readyAt = undefined;
    this.lastExitAt = Date.now();
    this.lastStatus = status;
    const how = info.spawnError ? `could not start: ${info.spawnError}` : info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
    this.setState('exited', unhealthy !== undefined ? `unhealthy, then ${how}` : how);
    const fields = { service: plan.name, pid: child?.pid, code: info.code, signal: info.signal, status, ranMs, ...(unhealthy !== undefined && { unhealthy: true }) };
    if (this.stopped) return this.notify(); // stop() reports it
    (status === 0 ? runner.log.info : runner.log.error).call(runner.log, 'service.exit', fields, `${plan.name} ${how}${unhealthy !== undefined ? ' (stopped: unhealthy)' : ''}`);
    if (status === 0 && child && unhealthy === undefined) this.reportDaemonized(child);
    // what it left in its group (php-fpm's workers, holding its socket) must not outlive it
    child?.signalGroup('SIGKILL');
    if (wasReady) this.hooks.onNotReady(this);
    const now = Date.now();
    const decision = decideRestart({ policy: plan.restart, status, maxRestarts: plan.maxRestarts, minUptimeMs: plan.minUptimeMs, ranMs, history: this.restarts, now });
    this.restarts = keepHistory(this.restarts, decision, now);
    if (!decision.restart) {
      if (decision.reason === 'policy') return this.hooks.onFinal(this, status, unhealthy !== undefined ? 'unhealthy' : 'exited');
      const gaveUp = gaveUpStatus(this.lastFailure);
      const why = this.lastFailure === undefined ? `every run ended 0, so berth exits ${gaveUp}` : `berth exits with its last failure, ${gaveUp}`;
      runner.log.error('service.gave-up', { service: plan.name, restarts: plan.maxRestarts, status: gaveUp }, `${plan.name} restarted ${plan.maxRestarts} times within 60 s, each run shorter than minUptime ${plan.minUptimeMs} ms; giving up (${why})`);
      return this.hooks.onFinal(this, gaveUp, 'gave-up');
    }
    this.setState('backoff', decision.delayMs === 0 ? 'restarting now' : `restarting in ${decision.delayMs} ms`);
    if (decision.counted) {
      runner.log.warn('service.restart', { service: plan.name, attempt: decision.attempt, delayMs: decision.delayMs, status, ranMs }, `${plan.name} restarting in ${decision.delayMs} ms (attempt ${decision.attempt})`);
    } else {
      runner.log.info('service.restart', { service: plan.name, attempt: 0, delayMs: 0, status, ranMs }, `${plan.name} ran ${ranMs} ms (minUptime ${plan.minUptimeMs} ms): restarting now, not counted`);
    }
    const epoch = this.epoch;
    void runner.delay(decision.delayMs).then((ok) => {
      if (!ok || this.stopped || this.epoch !== epoch) return;
      this.restartCount++;
      this.start();
    });
  }

  private reportDaemonized(child: Child): void {
    const stillInGroup = child.signalGroup(0);
    const leftovers = this.runner.adopted();
    if (!stillInGroup && leftovers.length === 0) return;
    const report = diagnoseDaemonized({ service: this.name, pid: child.pid, leftovers });
    this.runner.log.error('service.daemonized', { service: this.name, ...report.fields }, report.msg);
  }

  /** graceful stop: stopSignal to the group, SIGKILL after stopTimeout or the deadline */
  async stop(deadline: number): Promise<StopResult> {
    this.stopped = true;
    this.readyAbort?.abort();
    this.stopLiveness?.();
    const child = this.child;
    if (!child) return { info: undefined, killed: false };
    const { plan, runner } = this;
    this.setState('stopping', `sent ${plan.stopSignal}`);
    runner.log.info('service.stop', { service: plan.name, pid: child.pid, signal: plan.stopSignal, timeoutMs: plan.stopTimeoutMs }, `stopping ${plan.name} with ${plan.stopSignal}`);
    child.signalGroup(plan.stopSignal);
    child.signalGroup('SIGCONT'); // a stopped (SIGSTOP, Ctrl-Z) service gets its stop signal too
    const waitMs = Math.max(0, Math.min(plan.stopTimeoutMs, deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((r) => (timer = setTimeout(r, waitMs, undefined)));
    const graceful = await Promise.race([child.exited, timedOut]);
    clearTimeout(timer);
    const killed = graceful === undefined;
    if (killed) {
      runner.log.warn('service.kill', { service: plan.name, pid: child.pid, afterMs: waitMs }, `${plan.name} did not stop within ${waitMs} ms; sending SIGKILL`);
      child.signalGroup('SIGKILL');
    }
    const info = graceful ?? (await child.exited);
    if (this.relayed) await outputLeftovers(child, this.relayed, false); // its last lines (a report on SIGTERM) before its exit event
    child.signalGroup('SIGKILL'); // whatever it left in its group goes with it
    const status = exitStatus(info);
    runner.log.info('service.exit', { service: plan.name, pid: child.pid, code: info.code, signal: info.signal, status, killed }, `${plan.name} ${killed ? 'killed' : 'stopped'} (${info.signal ?? `code ${info.code}`})`);
    return { info, killed };
  }

  /**
   * An operator's stop (berth ctl stop): gracefully, as at shutdown, but the container stays up.
   * It is not ready (the ready file goes first) and is not restarted until started again.
   */
  async operatorStop(): Promise<StopResult> {
    this.epoch++;
    this.operatorRun = false;
    if (this.state === 'ready') this.hooks.onNotReady(this);
    const r = await this.stop(Date.now() + this.plan.stopTimeoutMs);
    await this.ended; // its exit handled: a start may follow at once
    this.setState('stopped', 'stopped by operator');
    return r;
  }

  /** An operator's start: at once (a pending restart's backoff is skipped). false when it already runs. */
  operatorStart(): boolean {
    if (this.child) return false;
    const first = this.startedAt === undefined;
    this.epoch++;
    this.stopped = false;
    this.operatorRun = true;
    this.notReadyReport = undefined;
    this.restarts = []; // a fresh start: earlier crashes do not count toward giving up
    if (!first) this.restartCount++;
    this.start();
    return true;
  }

  /** A reload changed what needs no new process (restart policy, timeouts, a preset's reloaded config). */
  adoptPlan(plan: ServicePlan): void {
    this.plan = plan;
  }

  /** Called on every change of state; returns the function that stops it. */
  onStateChange(fn: (svc: Service) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Each line of its output as it comes (masked); returns the function that stops it. */
  subscribeLines(fn: (line: string) => void): () => void {
    this.lineListeners.add(fn);
    return () => this.lineListeners.delete(fn);
  }

  /** the second signal: no grace */
  kill(): void {
    this.stopped = true;
    this.stopLiveness?.();
    this.child?.signalGroup('SIGKILL');
  }

  /** What ended berth, when this service did (CONTRACT §9's termination report). */
  finalCause(status: number, why: FinalWhy): ShutdownCause {
    const info = this.lastExit;
    const how = info ? (info.signal ? `killed by ${info.signal}` : info.spawnError ? `could not start: ${info.spawnError}` : `exited with code ${info.code}`) : undefined;
    return {
      kind: 'final',
      status,
      service: this.name,
      why,
      ...(info?.code !== undefined && { code: info.code }),
      ...(info?.signal !== undefined && { signal: info.signal }),
      ...(why === 'unhealthy' && this.lastUnhealthy !== undefined && { detail: this.lastUnhealthy }),
      ...(why === 'gave-up' && how !== undefined && { detail: how }),
      ...(why === 'ready-timeout' && { waitedMs: this.plan.readyTimeoutMs }),
    };
  }

  /** a forwarded signal, if this service takes it (`forward:`); true when it was sent */
  forward(sig: NodeJS.Signals): boolean {
    if (!this.plan.forward.includes(sig)) return false;
    return this.child?.signalGroup(sig) ?? false;
  }

  private setState(state: ServiceState, reason: string): void {
    this.state = state;
    this.reason = reason;
    this.hooks.onChange?.(this);
    this.notify();
  }

  private notify(): void {
    for (const fn of this.stateListeners) fn(this);
  }
}
