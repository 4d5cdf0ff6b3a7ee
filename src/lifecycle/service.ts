// One long-running service: an explicit state machine with the reason beside the state.
import type { ServicePlan } from '../types.js';
import { exitStatus, type Child, type ExitInfo } from '../process/child.js';
import { decideRestart } from './restart.js';
import type { Runner } from './runner.js';
import { leftoversMessage, outputLeftovers } from './leftovers.js';
import { waitReady } from '../readiness/probes/index.js';
import { diagnoseDaemonized, diagnoseNotReady } from '../readiness/diagnose.js';

export type ServiceState = 'pending' | 'starting' | 'ready' | 'backoff' | 'stopping' | 'exited';

export interface ServiceHooks {
  onReady(svc: Service): void;
  /** it was ready and is not any more (exited, restarting) */
  onNotReady(svc: Service): void;
  /** it will not come back: berth shuts down with `status` */
  onFinal(svc: Service, status: number, why: 'exited' | 'gave-up' | 'ready-timeout'): void;
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
  private restarts: number[] = [];
  private lineListeners = new Set<(line: string) => void>();
  private readyAbort: AbortController | undefined;
  private stopped = false;

  constructor(
    readonly plan: ServicePlan,
    private readonly runner: Runner,
    private readonly hooks: ServiceHooks,
    private readonly opts: { foreground?: boolean } = {},
  ) {}

  get name(): string {
    return this.plan.name;
  }

  /** spawn and watch readiness; returns once spawned (or failed to spawn) */
  start(): void {
    if (this.stopped) return;
    const { plan, runner } = this;
    const child = runner.spawn(plan, this.opts);
    if ('spawnError' in child) return this.onExit({ code: undefined, signal: undefined, spawnError: child.spawnError }, undefined);
    // exec failed (ENOENT, EACCES): Node says so a tick later; it never ran, so never ready
    if (child.pid < 0) return void child.exited.then((info) => this.onExit(info, undefined));
    this.child = child;
    this.startedAt = Date.now();
    this.setState('starting', plan.ready ? `waiting for ${describeProbe(plan)}` : 'spawned');
    runner.log.info('service.start', { service: plan.name, pid: child.pid, cwd: plan.cwd, argv: plan.argv }, `${plan.name} started in ${plan.cwd}: ${plan.argv.join(' ')}`);
    const relayed = runner.relayOutput(plan.name, child, (line) => this.lineListeners.forEach((l) => l(line)));
    void child.exited.then(async (info) => {
      this.readyAbort?.abort();
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
        this.reason = 'not ready in time';
        this.hooks.onFinal(this, 69, 'ready-timeout');
      }
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.child === child && !this.stopped && this.state === 'starting') this.markReady(child);
  }

  private markReady(child: Child): void {
    this.readyAt = Date.now();
    this.setState('ready', 'probe passed');
    this.runner.log.info('service.ready', { service: this.name, pid: child.pid, afterMs: this.readyAt - (this.startedAt ?? this.readyAt) }, `${this.name} is ready`);
    this.hooks.onReady(this);
  }

  private onExit(info: ExitInfo, child: Child | undefined): void {
    const { plan, runner } = this;
    const wasReady = this.state === 'ready';
    const status = exitStatus(info);
    this.child = undefined;
    this.readyAt = undefined;
    const how = info.spawnError ? `could not start: ${info.spawnError}` : info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
    this.setState('exited', how);
    const fields = { service: plan.name, pid: child?.pid, code: info.code, signal: info.signal, status };
    if (this.stopped) return; // stop() reports it
    (status === 0 ? runner.log.info : runner.log.error).call(runner.log, 'service.exit', fields, `${plan.name} ${how}`);
    if (status === 0 && child) this.reportDaemonized(child);
    // what it left in its group (php-fpm's workers, holding its socket) must not outlive it
    child?.signalGroup('SIGKILL');
    if (wasReady) this.hooks.onNotReady(this);
    const decision = decideRestart(plan.restart, status, plan.maxRestarts, this.restarts, Date.now());
    if (!decision.restart) {
      if (decision.reason === 'gave-up') runner.log.error('service.gave-up', { service: plan.name, restarts: plan.maxRestarts, status }, `${plan.name} restarted ${plan.maxRestarts} times within 60 s; giving up`);
      return this.hooks.onFinal(this, status, decision.reason === 'gave-up' ? 'gave-up' : 'exited');
    }
    this.restarts.push(Date.now());
    this.setState('backoff', `restarting in ${decision.delayMs} ms`);
    runner.log.warn('service.restart', { service: plan.name, attempt: decision.attempt, delayMs: decision.delayMs, status }, `${plan.name} restarting in ${decision.delayMs} ms (attempt ${decision.attempt})`);
    void runner.delay(decision.delayMs).then((ok) => ok && !this.stopped && this.start());
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
    const child = this.child;
    if (!child) return { info: undefined, killed: false };
    const { plan, runner } = this;
    this.setState('stopping', `sent ${plan.stopSignal}`);
    runner.log.info('service.stop', { service: plan.name, pid: child.pid, signal: plan.stopSignal, timeoutMs: plan.stopTimeoutMs }, `stopping ${plan.name} with ${plan.stopSignal}`);
    child.signalGroup(plan.stopSignal);
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
    child.signalGroup('SIGKILL'); // whatever it left in its group goes with it
    const status = exitStatus(info);
    runner.log.info('service.exit', { service: plan.name, pid: child.pid, code: info.code, signal: info.signal, status, killed }, `${plan.name} ${killed ? 'killed' : 'stopped'} (${info.signal ?? `code ${info.code}`})`);
    return { info, killed };
  }

  /** the second signal: no grace */
  kill(): void {
    this.stopped = true;
    this.child?.signalGroup('SIGKILL');
  }

  forward(sig: NodeJS.Signals): boolean {
    return this.child?.signalGroup(sig) ?? false;
  }

  private setState(state: ServiceState, reason: string): void {
    this.state = state;
    this.reason = reason;
  }
}

function describeProbe(plan: ServicePlan): string {
  const p = plan.ready!;
  switch (p.kind) {
    case 'unix': return `unix:${p.path}`;
    case 'tcp': return `tcp:${p.host ? `${p.host}:` : ''}${p.port}`;
    case 'http': return p.url;
    case 'file': return `file:${p.path}`;
    case 'exec': return `exec ${p.argv.join(' ')}`;
    case 'log': return `log /${p.regex}/`;
    case 'fastcgi': return `fastcgi ${p.address}${p.path}`;
  }
}
