// Service, runTask and the restart policy through the Runner seam, with a fake clock: no
// process is started, every exit is one the test decides, time moves when the test says.
// (Pure policy only; the same behaviours with real processes are in test/runtime.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Child } from '../../src/process/child.js';
import type { ExitInfo } from '../../src/process/exit.js';
import type { Runner } from '../../src/lifecycle/runner.js';
import { Service } from '../../src/lifecycle/service.js';
import { runTask } from '../../src/lifecycle/task.js';
import { decideRestart } from '../../src/lifecycle/restart.js';
import { shutdownStatus } from '../../src/lifecycle/exit-status.js';
import { EXIT } from '../../src/errors.js';
import type { EventLog, ServicePlan, TaskPlan } from '../../src/types.js';

interface Event {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

/** A Runner whose children end when the test calls end(); delays are recorded and pass at once. */
function fakeRunner() {
  const events: Event[] = [];
  const log = Object.fromEntries(
    ['trace', 'debug', 'info', 'warn', 'error'].map((level) => [level, (event: string, fields: Record<string, unknown>) => void events.push({ level, event, fields })]),
  ) as unknown as EventLog;
  const running: Array<(info: ExitInfo) => void> = [];
  const delays: number[] = [];
  let pid = 100;
  const runner: Runner = {
    log,
    spawn() {
      let end!: (info: ExitInfo) => void;
      const exited = new Promise<ExitInfo>((r) => (end = r));
      running.push(end);
      const child: Child = { pid: ++pid, stdout: null, stderr: null, exited, signalGroup: () => false, outputInodes: [] };
      return child;
    },
    relayOutput: () => Promise.resolve(),
    lastLines: () => [],
    delay(ms) {
      delays.push(ms);
      return Promise.resolve(true);
    },
    adopted: () => [],
  };
  /** the running child exits with code; resolves once the service or task has reacted */
  const end = async (code: number) => {
    const spawned = running.length;
    running.shift()!({ code, signal: undefined });
    await vi.waitFor(() => expect(events.some((e) => e.event.endsWith('.exit') && e.fields.code === code && running.length + 1 >= spawned)).toBe(true));
    await new Promise((r) => setImmediate(r));
  };
  return { runner, events, delays, running, end, named: (event: string) => events.filter((e) => e.event === event) };
}

const base = { argv: ['app'], shell: false, cwd: '/', env: {}, envKeys: [], requires: [] };

function servicePlan(over: Partial<ServicePlan>): ServicePlan {
  return { ...base, name: 'app', readyTimeoutMs: 0, stopSignal: 'SIGTERM', stopTimeoutMs: 1000, restart: 'on-failure', maxRestarts: 2, minUptimeMs: 10_000, forward: [], main: false, after: [], dirs: [], ...over };
}

function taskPlan(over: Partial<TaskPlan>): TaskPlan {
  return { ...base, name: 'migrate', retries: 0, retryDelayMs: 1000, optional: false, skip: false, ...over };
}

function hooks() {
  const finals: Array<{ status: number; why: string }> = [];
  return { finals, hooks: { onReady() {}, onNotReady() {}, onFinal: (_s: Service, status: number, why: string) => void finals.push({ status, why }) } };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('Service through the Runner seam', () => {
  it('restarts a failing service with a doubling delay, then gives up with its last failure', async () => {
    const f = fakeRunner();
    const h = hooks();
    const svc = new Service(servicePlan({ maxRestarts: 2 }), f.runner, h.hooks);
    svc.start();
    expect(svc.state).toBe('ready'); // no probe: ready once started
    await f.end(1);
    await f.end(1);
    await f.end(3);
    expect(f.named('service.restart').map((e) => e.fields.delayMs)).toEqual([1000, 2000]);
    expect(f.delays).toEqual([1000, 2000]);
    expect(h.finals).toEqual([{ status: 3, why: 'gave-up' }]);
    expect(f.named('service.gave-up')[0]!.fields.status).toBe(3);
  });

  it('a run that lasted minUptime restarts at once and is not counted', async () => {
    const f = fakeRunner();
    const h = hooks();
    const svc = new Service(servicePlan({ maxRestarts: 1 }), f.runner, h.hooks);
    svc.start();
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(Date.now() + 20_000); // each run lives 20 s, past minUptime 10 s
      await f.end(1);
    }
    expect(f.named('service.restart').map((e) => e.fields.attempt)).toEqual([0, 0, 0]);
    expect(f.delays).toEqual([0, 0, 0]);
    expect(h.finals).toEqual([]);
    expect(svc.state).toBe('ready');
  });

  it('restart: never — its exit is final, with its own status', async () => {
    const f = fakeRunner();
    const h = hooks();
    new Service(servicePlan({ restart: 'never' }), f.runner, h.hooks).start();
    await f.end(3);
    expect(h.finals).toEqual([{ status: 3, why: 'exited' }]);
    expect(f.named('service.restart')).toEqual([]);
  });

  it('giving up never exits 0: every run ended 0 under restart: always → 75', async () => {
    const f = fakeRunner();
    const h = hooks();
    new Service(servicePlan({ restart: 'always', maxRestarts: 1 }), f.runner, h.hooks).start();
    await f.end(0);
    await f.end(0);
    expect(h.finals).toEqual([{ status: EXIT.GAVE_UP, why: 'gave-up' }]);
  });
});

describe('runTask through the Runner seam', () => {
  it('retries after retryDelay, and succeeds on the second attempt', async () => {
    const f = fakeRunner();
    const done = runTask(taskPlan({ retries: 2, retryDelayMs: 1500 }), f.runner, { onChild() {}, stopping: () => false });
    await vi.waitFor(() => expect(f.running.length).toBe(1));
    f.running.shift()!({ code: 1, signal: undefined });
    await vi.waitFor(() => expect(f.running.length).toBe(1));
    f.running.shift()!({ code: 0, signal: undefined });
    expect(await done).toMatchObject({ status: 0 });
    expect(f.delays).toEqual([1500]);
    expect(f.named('task.retry')).toHaveLength(1);
  });

  it('an optional task that fails lets berth go on; a required one stops it with its status', async () => {
    for (const optional of [true, false]) {
      const f = fakeRunner();
      const done = runTask(taskPlan({ optional }), f.runner, { onChild() {}, stopping: () => false });
      await vi.waitFor(() => expect(f.running.length).toBe(1));
      f.running.shift()!({ code: 2, signal: undefined });
      const outcome = await done;
      expect([outcome.status, outcome.failedWith]).toEqual(optional ? [0, undefined] : [2, 2]);
    }
  });

  it('spawn failing is 127 (not found), never a retry storm past retries', async () => {
    const f = fakeRunner();
    f.runner.spawn = () => ({ spawnError: 'ENOENT' });
    const outcome = await runTask(taskPlan({ retries: 1 }), f.runner, { onChild() {}, stopping: () => false });
    expect(outcome).toMatchObject({ failedWith: EXIT.NOT_FOUND });
    expect(f.delays).toEqual([1000]);
  });
});

describe('restart policy and shutdown status (pure)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('counts only restarts inside the 60 s window', () => {
    const d = decideRestart({ policy: 'on-failure', status: 1, maxRestarts: 2, minUptimeMs: 10_000, ranMs: 0, history: [now - 61_000, now - 1000], now });
    expect(d).toMatchObject({ restart: true, delayMs: 2000, attempt: 2 });
  });

  it('after a signal: 137 when anything was SIGKILLed, else 0 for a clean stop (code 0, the stop signal, or 128 + it)', () => {
    const stop = (info: ExitInfo, killed = false) => ({ service: 'a', stopSignal: 'SIGTERM' as const, info, killed });
    const cause = { kind: 'signal' as const, signal: 'SIGTERM' as const };
    expect(shutdownStatus(cause, [stop({ code: 143, signal: undefined }), stop({ code: undefined, signal: 'SIGTERM' })], false)).toBe(0);
    expect(shutdownStatus(cause, [stop({ code: 0, signal: undefined }, true)], false)).toBe(EXIT.KILLED);
    expect(shutdownStatus(cause, [stop({ code: 3, signal: undefined })], false)).toBe(3);
    expect(shutdownStatus(cause, [], true)).toBe(EXIT.KILLED);
  });
});
