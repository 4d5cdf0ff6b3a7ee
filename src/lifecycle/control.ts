// The supervisor's side of `berth ctl`: opens the control socket (or refuses to start, 78,
// when it cannot be made safely or another berth answers there) and keeps the tasks' results.
import type { EventLog, Plan, TaskPlan } from '../types.js';
import { listenControl } from '../control/socket.js';
import { serveControl } from '../control/server.js';
import { createHandler } from '../control/handlers.js';
import type { TaskStatus } from '../control/target.js';
import { createOperator, type OperatorDeps } from './operator.js';
import type { TaskOutcome } from './task.js';
import { VERSION } from '../version.js';
import { EXIT } from '../errors.js';

export interface OpenControl {
  close(): Promise<void>;
}

/** undefined with `control: false`; a number (78) when berth must not start */
export async function openControl(plan: Plan, log: EventLog, deps: Omit<OperatorDeps, 'log'>): Promise<OpenControl | number | undefined> {
  if (plan.control === false) return undefined;
  const listening = await listenControl(plan.control);
  if (!listening.ok) {
    log.error('control.failed', { control: plan.control, pid: listening.pid }, `${listening.message}; nothing started`);
    return EXIT.CONFIG;
  }
  const served = serveControl({
    server: listening.server,
    log,
    uid: process.getuid?.() ?? 0,
    handle: createHandler({ target: createOperator({ ...deps, log }), log, version: VERSION }),
  });
  log.debug('control.listen', { control: plan.control }, `berth ctl talks to ${plan.control}`);
  return {
    async close() {
      served.close();
      await listening.close();
    },
  };
}

/** Each task's state and result, for `berth ctl status`. */
export function taskBoard(tasks: TaskPlan[]) {
  const rows = new Map<string, TaskStatus>(tasks.map((t) => [t.name, { name: t.name, state: t.skip ? 'skipped' : 'pending', status: null, reason: null, durationMs: null }]));
  const started = new Map<string, number>();
  return {
    rows: (): TaskStatus[] => [...rows.values()].map((r) => ({ ...r })),
    running(name: string) {
      started.set(name, Date.now());
      const r = rows.get(name);
      if (r && r.state !== 'skipped') r.state = 'running';
    },
    finished(name: string, outcome: TaskOutcome) {
      const r = rows.get(name);
      if (!r) return;
      if (outcome.reason !== 'skipped') r.state = outcome.failedWith === undefined ? 'done' : 'failed';
      r.status = outcome.status;
      r.reason = outcome.reason;
      r.durationMs = Date.now() - (started.get(name) ?? Date.now());
    },
  };
}
