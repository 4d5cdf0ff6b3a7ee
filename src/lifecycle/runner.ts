// The real Runner (process/runner.ts has the interface): node:child_process, the relay,
// timers cut short by a stop, the reaper.
import type { EventLog, Plan, ProcessPlan, ServicePlan, UserSpec } from '../types.js';
import { spawnChild, type Foreground, type Launcher } from '../process/child.js';
import type { Runner } from '../process/runner.js';
import type { Pid1Session } from '../pid1/index.js';
import type { Stopping } from './stopping.js';

export type { Runner } from '../process/runner.js';

export interface Relay {
  attach(name: string, stream: 'stdout' | 'stderr', readable: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void>;
  lastLines(name: string, n?: number): string[];
  /** resolves once berth's output, holding lines, has taken nothing for log.stallTimeout */
  stalled?(signal: AbortSignal): Promise<void>;
}

export interface RunnerDeps {
  plan: Plan;
  log: EventLog;
  relay: Relay;
  /** resolved in preflight: the uid, gid and home of each `user` */
  users: Map<string, UserSpec>;
  stopping: Stopping;
  pid1: Pid1Session | undefined;
  /** the service that gets the terminal is started through this */
  foreground?: Launcher;
}

/** The real Runner: node:child_process, the relay, timers cut short by a stop, the reaper. */
export function createRunner({ plan, log, relay, users, stopping, pid1, foreground }: RunnerDeps): Runner {
  return {
    log,
    spawn(p, opts) {
      const u = p.user ? users.get(p.user) : undefined;
      const env = u?.home && !p.env.HOME ? { ...p.env, HOME: u.home } : p.env;
      const fg = opts?.foreground && foreground ? foregroundOf(p.name, foreground, log) : undefined;
      // on a terminal too, output goes through the relay when there is a secret to mask
      const maskOutput = fg !== undefined && plan.secretValues.length > 0;
      if (maskOutput) log.info('terminal.masked', { service: p.name }, `${p.name} has the terminal for its input; its output goes through berth so that secrets are masked (it sees pipes, not the terminal, on stdout and stderr)`);
      return spawnChild({ argv: p.argv, cwd: p.cwd, env, uid: u?.uid, gid: u?.gid, foreground: fg, maskOutput, passThrough: passThrough(plan, p) });
    },
    relayOutput(name, child, onLine) {
      const relayed = Promise.all([
        child.stdout ? relay.attach(name, 'stdout', child.stdout, onLine) : undefined,
        child.stderr ? relay.attach(name, 'stderr', child.stderr, onLine) : undefined,
      ]).then(() => undefined);
      const stalled = relay.stalled?.bind(relay);
      if (!stalled) return relayed;
      // once it has exited, its last lines are waited for however slow berth's stdout, but not for a stuck one
      const giveUp = new AbortController();
      return Promise.race([relayed, child.exited.then(() => stalled(giveUp.signal))]).finally(() => giveUp.abort());
    },
    lastLines: (name, n) => relay.lastLines(name, n),
    delay: (ms) => stopping.delay(ms),
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
