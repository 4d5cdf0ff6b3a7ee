// Faults around berth: SIGTERM at every phase of CONTRACT §3, and a flood of signals.
// Each stop must end within shutdownTimeout (+ slack for a loaded machine) with the
// status §4 documents, and leave no process behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alive, NODE, startBerth, tempDir, type Berth, type Line } from '../helpers/berth.js';
import { expectNoneAlive, fx, reportedPids, stopAndTime, until } from '../helpers/faults.js';
import { freePort } from '../helpers/net.js';

const SHUTDOWN = 3_000;
const SLACK = 2_500; // a loaded 2-core machine
let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
beforeAll(() => (t = tempDir('berth-faults-sig-')));
afterEach(() => {
  for (const b of started.splice(0)) {
    b.killOwn(reportedPids(b));
    b.kill('SIGKILL');
  }
});
afterAll(() => t.cleanup());

const config = (body: string) => t.write(`phase-${++n}.yaml`, `shutdownTimeout: ${SHUTDOWN}ms\n${body}`);
const start = (args: string[], env: Record<string, string> = {}) => {
  const b = startBerth(args, { env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`), ...env } });
  started.push(b);
  return b;
};
const says = (service: string, prefix: string) => (l: Line) => l.service === service && typeof l.msg === 'string' && l.msg.startsWith(prefix);

/** SIGTERM now: the documented status, within shutdownTimeout, nothing left */
async function expectStops(b: Berth, status: number, extraPids: number[] = []): Promise<number> {
  const pids = [...reportedPids(b), ...extraPids];
  const { code, ms } = await stopAndTime(b);
  expect(code, b.stdoutText().slice(-3000)).toBe(status);
  expect(ms).toBeLessThan(SHUTDOWN + SLACK);
  await expectNoneAlive(pids);
  return ms;
}

/** berth has not exited within ms of now (a deadline for a race, not a wait for an event) */
const hangs = (b: Berth, ms: number) => Promise.race([b.exited.then(() => false), new Promise<boolean>((r) => setTimeout(r, ms, true))]);

describe('SIGTERM at every phase', () => {
  it('during preflight (a slow php-fpm -tt): 0, promptly', async () => {
    const mark = join(t.dir, `fpm-test-${++n}`);
    const cfg = config('services:\n  php: { preset: php-fpm, ready: "tcp:9000" }\n');
    const b = start(['-c', cfg], { PATH: `${fx('bin')}:${process.env.PATH}`, FAKE_MARK: mark });
    await until(() => existsSync(mark), 15_000, 'php-fpm -tt to start');
    await expectStops(b, 0);
  });

  it('while waiting for an external resource (waitFor): 0, promptly, /livez answering meanwhile', async () => {
    const [down, health] = [await freePort(), await freePort()];
    const cfg = config(`health: { listen: "127.0.0.1:${health}" }\nwaitFor: ["tcp://127.0.0.1:${down}"]\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await until(() => b.lines.length > 0, 10_000, 'berth to start');
    await pollLivez(health, 15_000);
    await expectStops(b, 0);
    expect(b.events('task.start')).toHaveLength(0);
    expect(b.events('service.start')).toHaveLength(0);
  });

  it('during the first task: the task gets it, berth exits with its status (143), nothing else starts', async () => {
    const cfg = config(`tasks:\n  - { name: one, command: [${NODE}, ${fx('task.mjs')}] }\n  - { name: two, command: [true] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('one', 'task pid'));
    await expectStops(b, 143);
    expect(b.events('task.start').map((l) => l.task)).toEqual(['one']);
    expect(b.events('service.start')).toHaveLength(0);
  });

  it('during the second task, which exits 0 on SIGTERM: 0, the third task and the services never start', async () => {
    const cfg = config(`tasks:\n  - { name: one, command: [true] }\n  - { name: two, command: [${NODE}, ${fx('task.mjs')}, exit0] }\n  - { name: three, command: [true] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('two', 'task pid'));
    await expectStops(b, 0);
    expect(b.events('task.start').map((l) => l.task)).toEqual(['one', 'two']);
    expect(b.events('service.start')).toHaveLength(0);
  });

  it('between two attempts of a failing task (retry delay): its status, at once', async () => {
    const cfg = config(`tasks:\n  - { name: flaky, command: [${NODE}, ${fx('task.mjs')}, die, "5", "0"], retries: 3, retryDelay: 30s }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('task.retry');
    await expectStops(b, 5);
    expect(b.events('task.start')).toHaveLength(1);
    expect(b.events('service.start')).toHaveLength(0);
  });

  it('a second SIGTERM during a task ends it at once (137)', async () => {
    const cfg = config(`tasks:\n  - { name: stubborn, command: [${NODE}, ${fx('task.mjs')}, ignore] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('stubborn', 'task pid'));
    const pids = reportedPids(b);
    b.kill('SIGTERM');
    await b.waitFor(says('stubborn', 'task ignores SIGTERM'));
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(137);
    expect(ms).toBeLessThan(SLACK);
    await expectNoneAlive(pids);
  });

  it('a task that ignores SIGTERM is killed once shutdownTimeout has passed (137)', async () => {
    const cfg = config(`tasks:\n  - { name: stubborn, command: [${NODE}, ${fx('task.mjs')}, ignore] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('stubborn', 'task pid'));
    const pids = reportedPids(b);
    b.kill('SIGTERM');
    expect(await hangs(b, SHUTDOWN + SLACK)).toBe(false);
    expect((await b.exited).code).toBe(137);
    await expectNoneAlive(pids);
  });

  it('after the first service started, while the next waits for it to be ready: 0, the next never starts', async () => {
    const cfg = config(`services:\n  db: { command: [${NODE}, ${fx('slow-stop.mjs')}, "0"], ready: { log: "never printed" } }\n  app: { command: [sleep, "30"], after: [db] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('db', 'slow-stop pid'));
    await expectStops(b, 0);
    expect(b.events('service.start').map((l) => l.service)).toEqual(['db']);
    expect(b.events('ready')).toHaveLength(0);
  });

  it('while the last service is not ready yet (probe still failing): 0', async () => {
    const cfg = config(`services:\n  db: { command: [sleep, "30"] }\n  app: { command: [sleep, "30"], after: [db], ready: "file:${join(t.dir, 'never')}" }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('service.start', { service: 'app' });
    await expectStops(b, 0);
    expect(b.events('ready')).toHaveLength(0);
  });

  it('while running, every service ready: 0, in reverse order, ready file gone', async () => {
    const ready = join(t.dir, `ready-running-${++n}`);
    const cfg = config(`services:\n  db: { command: [sleep, "30"] }\n  app: { command: [sleep, "30"], after: [db] }\n`);
    const b = startBerth(['-c', cfg], { env: { BERTH_READY_FILE: ready } });
    started.push(b);
    await b.waitForEvent('ready');
    expect(existsSync(ready)).toBe(true);
    await expectStops(b, 0);
    expect(b.events('service.stop').map((l) => l.service)).toEqual(['app', 'db']);
    expect(existsSync(ready)).toBe(false);
  });

  it('during the restart backoff of a crashed service: 0, no restart after it', async () => {
    const cfg = config(`services:\n  app: { command: "sh -c 'exit 9'", restart: on-failure, maxRestarts: 5 }\n  db: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('service.restart');
    await expectStops(b, 0);
    expect(b.events('service.start').filter((l) => l.service === 'app')).toHaveLength(1);
  });

  it('during shutdown (a second SIGTERM while a service drains): everything is killed at once, 137', async () => {
    const cfg = config(`services:\n  app: { command: [${NODE}, ${fx('slow-stop.mjs')}, "20000"], stopTimeout: 30s }\n`.replace(/^shutdownTimeout: .*\n/, 'shutdownTimeout: 30s\n'));
    const b = start(['-c', cfg]);
    await b.waitFor(says('app', 'slow-stop pid'));
    const pids = reportedPids(b);
    b.kill('SIGTERM');
    await b.waitFor(says('app', 'draining'));
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(137);
    expect(ms).toBeLessThan(SLACK);
    await expectNoneAlive(pids);
  });

  it('during a shutdown a service started by exiting: still within shutdownTimeout, the exiting service decides (3)', async () => {
    // slow is ready once its SIGTERM handler is in place, however long node takes to start
    const cfg = config(`services:\n  slow: { command: [${NODE}, ${fx('slow-stop.mjs')}, "20000"], stopTimeout: 30s, ready: { log: "slow-stop pid" } }\n  app: { command: "sh -c 'sleep 0.3; exit 3'", after: [slow] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('slow', 'draining'), 20_000);
    const pids = reportedPids(b);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(3);
    expect(ms).toBeLessThan(SHUTDOWN + SLACK);
    await expectNoneAlive(pids);
  });

  it('shutdownTimeout bounds the whole stop across services (each would take 20 s)', async () => {
    const cfg = config(`services:\n  a: { command: [${NODE}, ${fx('slow-stop.mjs')}, "20000"], stopTimeout: 30s }\n  b: { command: [${NODE}, ${fx('slow-stop.mjs')}, "20000"], stopTimeout: 30s, after: [a] }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('ready');
    await b.waitFor(says('b', 'slow-stop pid'));
    const ms = await expectStops(b, 137);
    expect(ms).toBeGreaterThanOrEqual(SHUTDOWN - 100);
  });
});

describe('a flood of signals', () => {
  it('1,000 SIGHUPs in a burst: forwarded (the kernel may coalesce), and berth still stops promptly on SIGTERM', async () => {
    const b = start(['--', NODE, fx('counter.mjs')]);
    await b.waitFor(says('node', 'counter pid'));
    for (let i = 0; i < 1000; i++) process.kill(b.pid, 'SIGHUP');
    await b.waitFor(says('node', 'first SIGHUP'), 20_000);
    await until(() => b.events('signal.forwarded').length > 0, 10_000, 'signal.forwarded');
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN + SLACK);
    const counts = b.lines.find((l) => l.msg === 'counts')!.counts as Record<string, number>;
    expect(counts.SIGHUP).toBeGreaterThanOrEqual(1);
    const forwarded = b.events('signal.forwarded');
    expect(forwarded.length).toBeGreaterThanOrEqual(1);
    expect(forwarded.length).toBeLessThanOrEqual(1000);
    expect(forwarded.every((l) => l.signal === 'SIGHUP')).toBe(true);
  });

  it('4,000 mixed forwardable signals to two services: each service sees each kind; berth stays responsive', async () => {
    const cfg = t.write(`mixed-${++n}.yaml`, `services:\n  a: { command: [${NODE}, ${fx('counter.mjs')}] }\n  b: { command: [${NODE}, ${fx('counter.mjs')}] }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor(says('a', 'counter pid'));
    await b.waitFor(says('b', 'counter pid'));
    const kinds = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
    for (let i = 0; i < 4000; i++) process.kill(b.pid, kinds[i % 4]!);
    for (const svc of ['a', 'b']) for (const sig of kinds) await b.waitFor(says(svc, `first ${sig}`), 20_000);
    const pids = reportedPids(b);
    expect(pids.every(alive)).toBe(true);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN + SLACK);
    await expectNoneAlive(pids);
  });
});

async function pollLivez(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/livez`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`/livez did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
