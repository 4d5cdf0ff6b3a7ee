// One-shot tasks (migrations): in their own cwd, with timeout, retries, optional and skip.
import type { TaskPlan } from '../types.js';
import type { Child } from '../process/child.js';
import { exitStatus, type ExitInfo } from '../process/exit.js';
import { EXIT } from '../errors.js';
import type { Runner } from './runner.js';
import { leftoversMessage, outputLeftovers } from './leftovers.js';

const PROGRESS_EVERY_MS = 30_000;
const TIMEOUT_KILL_GRACE_MS = 5_000;

export interface TaskOutcome {
  /** 0 when it succeeded, was skipped, or failed but is optional */
  status: number;
  /** the status berth should exit with if it stops here (the failure's own) */
  failedWith?: number;
  reason: string;
}

export interface TaskControl {
  /** told of the child running now, so a signal during a task goes to it */
  onChild(child: Child | undefined): void;
  /** true once berth is shutting down: no further attempt starts */
  stopping(): boolean;
}

export async function runTask(task: TaskPlan, runner: Runner, control: TaskControl): Promise<TaskOutcome> {
  const { log } = runner;
  if (task.skip) {
    log.info('task.skip', { task: task.name }, `task ${task.name} skipped (skip is true)`);
    return { status: 0, reason: 'skipped' };
  }
  let last: { status: number; reason: string } = { status: 1, reason: '' };
  for (let attempt = 1; attempt <= task.retries + 1; attempt++) {
    if (attempt > 1) {
      log.info('task.retry', { task: task.name, attempt, delayMs: task.retryDelayMs }, `task ${task.name}: attempt ${attempt} of ${task.retries + 1} in ${task.retryDelayMs} ms`);
      if (!(await runner.delay(task.retryDelayMs)) || control.stopping()) break;
    }
    last = await runOnce(task, runner, attempt, control);
    if (last.status === 0 || control.stopping()) break;
  }
  if (last.status === 0) return { status: 0, reason: last.reason };
  if (task.optional && !control.stopping()) {
    log.warn('task.failed', { task: task.name, status: last.status, optional: true }, `optional task ${task.name} failed (${last.reason}); going on`);
    return { status: 0, reason: last.reason };
  }
  return { status: last.status, failedWith: last.status, reason: last.reason };
}

async function runOnce(task: TaskPlan, runner: Runner, attempt: number, control: TaskControl): Promise<{ status: number; reason: string }> {
  const { log } = runner;
  const started = Date.now();
  log.info('task.start', { task: task.name, cwd: task.cwd, argv: task.argv, attempt }, `task ${task.name} starting in ${task.cwd}: ${task.argv.join(' ')}`);
  const child = runner.spawn(task);
  if ('spawnError' in child) return report(task, runner, { code: undefined, signal: undefined, spawnError: child.spawnError }, started, false);
  control.onChild(child);
  const relayed = runner.relayOutput(task.name, child);
  const progress = setInterval(() => {
    const elapsedMs = Date.now() - started;
    log.info('task.progress', { task: task.name, pid: child.pid, elapsedMs }, `task ${task.name} still running after ${Math.round(elapsedMs / 1000)} s`);
  }, PROGRESS_EVERY_MS);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timeout = task.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        child.signalGroup('SIGTERM');
        killTimer = setTimeout(() => child.signalGroup('SIGKILL'), TIMEOUT_KILL_GRACE_MS);
      }, task.timeoutMs)
    : undefined;
  const info = await child.exited;
  clearInterval(progress);
  clearTimeout(timeout);
  clearTimeout(killTimer);
  // a task's leftovers in its group would hold the pipes open; they go with it
  child.signalGroup('SIGKILL');
  // one in a session of its own would too: the task ended when its process did
  const left = await outputLeftovers(child, relayed, true);
  if (left) log.warn('task.leftovers', { task: task.name, pids: left.map((l) => l.pid), commands: left.map((l) => l.command) }, leftoversMessage('task', task.name, left));
  control.onChild(undefined);
  return report(task, runner, info, started, timedOut, attempt);
}

function report(task: TaskPlan, runner: Runner, info: ExitInfo, started: number, timedOut: boolean, attempt = 1) {
  const durationMs = Date.now() - started;
  const status = timedOut ? EXIT.TIMEOUT : exitStatus(info);
  const reason = timedOut
    ? `timed out after ${task.timeoutMs} ms`
    : info.spawnError
      ? `could not start ${task.argv[0]}: ${info.spawnError}`
      : info.signal
        ? `killed by ${info.signal}`
        : `exited with code ${info.code}`;
  const fields = { task: task.name, status, code: info.code, signal: info.signal, durationMs, attempt, timedOut };
  if (status === 0) runner.log.info('task.exit', fields, `task ${task.name} done in ${durationMs} ms`);
  else runner.log.error('task.exit', fields, `task ${task.name} failed: ${reason} (cwd ${task.cwd}, ${task.argv.join(' ')})`);
  return { status, reason };
}

