// Faults in children: crash loops, a child deaf to every signal, one that closes its
// stdout, one that writes with no newline for ever, one that forks a process a second,
// programs that cannot even be started, a task killed like the OOM killer does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, NODE, runBerth, startBerth, tempDir, type Berth, type Line } from '../helpers/berth.js';
import { expectNoneAlive, fx, reportedPids, stopAndTime, until } from '../helpers/faults.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
beforeAll(() => (t = tempDir('berth-faults-child-')));
afterEach(() => {
  for (const b of started.splice(0)) {
    b.killOwn(reportedPids(b));
    b.kill('SIGKILL');
  }
});
afterAll(() => t.cleanup());

const env = () => ({ BERTH_READY_FILE: join(t.dir, `ready-${++n}`) });
const start = (args: string[], opts: Parameters<typeof startBerth>[1] = {}) => {
  const b = startBerth(args, { env: env(), ...opts });
  started.push(b);
  return b;
};
const config = (name: string, text: string) => t.write(`${name}.yaml`, text);
const childLines = (lines: Line[], service: string) => lines.filter((l) => l.service === service && l.stream);
const time = (l: Line) => Date.parse(String(l.time));

describe('crash loops', () => {
  it('a service killed by a signal at every start: backs off 1 s then 2 s, gives up with 128+signal', async () => {
    const cfg = config('segv', `services:\n  app: { command: "sh -c 'kill -SEGV $$$$'", restart: always, maxRestarts: 2 }\n`);
    const r = await runBerth(['-c', cfg], { env: env(), timeoutMs: 30_000 });
    expect(r.code).toBe(139);
    expect(r.events('service.restart').map((l) => l.delayMs)).toEqual([1000, 2000]);
    const starts = r.events('service.start').map(time);
    expect(starts).toHaveLength(3);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(950);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(1950);
    expect(r.events('service.gave-up')).toEqual([expect.objectContaining({ service: 'app', status: 139 })]);
    expect(r.events('shutdown.done')[0]).toMatchObject({ status: 139 });
  });

  it('maxRestarts: 0 gives up at the first failure, with its code', async () => {
    const cfg = config('zero', `services:\n  app: { command: "sh -c 'exit 3'", restart: on-failure, maxRestarts: 0 }\n`);
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(3);
    expect(r.events('service.start')).toHaveLength(1);
    expect(r.events('service.restart')).toHaveLength(0);
  });

  it('SIGTERM during the backoff ends berth at once: no further start, status 0', async () => {
    const cfg = config('backoff', `services:\n  app: { command: "sh -c 'exit 1'", restart: always, maxRestarts: 5 }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('service.restart');
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(b.events('service.start')).toHaveLength(1);
  });
});

describe('a child that ignores every catchable signal', () => {
  it('is SIGKILLed with its group after stopTimeout: 137, nothing left', async () => {
    const cfg = config('deaf', `services:\n  app: { command: [${NODE}, ${fx('deaf.mjs')}], stopTimeout: 1s }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('deaf child'));
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) b.kill(sig); // forwarded, ignored
    await until(() => b.events('signal.forwarded').length === 4, 10_000, 'four forwarded signals');
    const pids = reportedPids(b);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(137);
    expect(ms).toBeLessThan(6_000);
    expect(b.events('service.kill')).toHaveLength(1);
    await expectNoneAlive(pids);
  });

  it('shutdownTimeout bounds the wait when stopTimeout is longer', async () => {
    const cfg = config('deaf2', `shutdownTimeout: 2s\nservices:\n  app: { command: [${NODE}, ${fx('deaf.mjs')}], stopTimeout: 60s }\n`);
    const b = start(['-c', cfg]);
    await b.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('deaf child'));
    const pids = reportedPids(b);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(137);
    expect(ms).toBeGreaterThanOrEqual(1_900);
    expect(ms).toBeLessThan(7_000);
    await expectNoneAlive(pids);
  });
});

describe('output faults', () => {
  it('a child that closes its stdout early keeps running, its stderr still relayed; SIGTERM stops it cleanly', async () => {
    const cfg = config('closeout', `services:\n  app: { command: [${NODE}, ${fx('close-stdout.mjs')}], ready: { log: "still here 2" } }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.service === 'app' && l.msg === 'still here 5');
    expect(b.events('service.exit')).toHaveLength(0);
    expect(childLines(b.lines, 'app')[0]).toMatchObject({ stream: 'stdout', msg: expect.stringMatching(/^last stdout line/) });
    const pids = reportedPids(b);
    const { code } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(childLines(b.lines, 'app').at(-1)).toMatchObject({ stream: 'stderr', msg: 'stopping cleanly' });
    await expectNoneAlive(pids);
  });

  it('a child that writes with no newline for ever: cut into 64 KiB lines, berth stays small and stops on time', async () => {
    const b = start(['--stop-timeout', '2s', '--', NODE, fx('no-newline.mjs'), '2']);
    await until(() => childLines(b.lines, 'node').length >= 40, 30_000, '40 pieces of the endless line');
    const pieces = childLines(b.lines, 'node');
    for (const p of pieces) expect(String(p.msg).length).toBe(64 * 1024);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${b.pid}/status`, 'utf8'))![1]) * 1024;
    expect(rss).toBeLessThan(250 << 20);
    const pids = reportedPids(b);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    await expectNoneAlive(pids);
  });
});

describe('a child that forks a process every second', () => {
  it('at SIGTERM every process it forked is gone, in its group or escaped into a session of its own', async () => {
    const b = start(['--', NODE, fx('forker.mjs'), '1000']);
    await until(() => b.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('forked')).length >= 3, 15_000, 'three forks');
    const pids = reportedPids(b);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(pids.every(alive)).toBe(true);
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(9_000);
    await expectNoneAlive(pids, 'forked processes');
  });
});

describe('programs that cannot be started', () => {
  const script = (name: string, body: string, mode = 0o755) => {
    const p = join(t.dir, name);
    writeFileSync(p, body);
    chmodSync(p, mode);
    return p;
  };

  it('a service whose interpreter is missing (ENOENT at spawn): 127, said plainly', async () => {
    const app = script('no-interp', '#!/nonexistent/interpreter\n');
    const r = await runBerth(['--', app], { env: env() });
    expect(r.code).toBe(127);
    expect(r.events('service.exit')[0]).toMatchObject({ status: 127, msg: expect.stringMatching(/could not start: ENOENT/) });
  });

  it('a service that never ran is never declared ready (no service.ready, no ready event)', async () => {
    const app = script('no-interp2', '#!/nonexistent/interpreter\n');
    const r = await runBerth(['--', app], { env: env() });
    expect(r.code).toBe(127);
    expect(r.events('service.ready')).toHaveLength(0);
    expect(r.events('ready')).toHaveLength(0);
  });

  it('a task whose interpreter is missing: 127, no service starts', async () => {
    const migrate = script('no-interp-task', '#!/nonexistent/interpreter\n');
    const cfg = config('task-enoent', `tasks:\n  - { name: migrate, command: [${migrate}] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(127);
    expect(r.events('task.exit')[0]).toMatchObject({ task: 'migrate', status: 127 });
    expect(r.events('service.start')).toHaveLength(0);
  });

  // preflight found each program; a task then takes it away: the failure comes at spawn
  const races: [string, string, number][] = [
    ['deleted', 'rm -f app', 127],
    ['no longer executable', 'chmod -x app', 126],
    ['replaced by a directory', 'rm -f app && mkdir app', 126],
  ];
  for (const [what, shell, status] of races) {
    it(`a service program ${what} between preflight and spawn: ${status}`, async () => {
      const dir = join(t.dir, `race-${++n}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'app'), '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
      const cfg = join(dir, 'berth.yaml');
      writeFileSync(cfg, `tasks:\n  - { name: break, cwd: ., command: "sh -c '${shell}'" }\nservices:\n  app: { cwd: ., command: [./app] }\n`);
      const r = await runBerth(['-c', cfg], { cwd: dir, env: env() });
      expect(r.code, r.stdout.slice(-2000)).toBe(status);
      expect(r.events('task.exit')[0]).toMatchObject({ status: 0 });
      expect(r.events('service.exit')[0]).toMatchObject({ service: 'app', status });
      expect(existsSync(join(dir, 'app'))).toBe(what !== 'deleted');
    });
  }
});

describe('killed like the OOM killer does (SIGKILL)', () => {
  it('a task: berth exits 137, no service starts', async () => {
    const cfg = config('oom-task', `tasks:\n  - { name: migrate, command: [${NODE}, ${fx('task.mjs')}] }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg]);
    const line = await b.waitFor((l) => l.service === 'migrate' && typeof l.msg === 'string' && l.msg.startsWith('task pid'));
    process.kill(Number(String(line.msg).split(' ')[2]), 'SIGKILL');
    const r = await b.exited;
    expect(r.code).toBe(137);
    expect(b.events('task.exit')[0]).toMatchObject({ task: 'migrate', signal: 'SIGKILL', status: 137 });
    expect(b.events('service.start')).toHaveLength(0);
  });

  it('one of two services: berth stops the other and exits 137, nothing left', async () => {
    const cfg = config('oom-svc', `services:\n  db: { command: [${NODE}, ${fx('task.mjs')}, exit0] }\n  app: { command: [${NODE}, ${fx('slow-stop.mjs')}, "100"], after: [db] }\n`);
    const b = start(['-c', cfg]);
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.service === 'db' && typeof l.msg === 'string' && l.msg.startsWith('task pid'));
    await b.waitFor((l) => l.service === 'app' && typeof l.msg === 'string' && l.msg.startsWith('slow-stop pid'));
    const pids = reportedPids(b);
    process.kill(b.events('service.start').find((l) => l.service === 'db')!.pid as number, 'SIGKILL');
    const r = await b.exited;
    expect(r.code).toBe(137);
    expect(b.events('service.stop').map((l) => l.service)).toEqual(['app']);
    await expectNoneAlive(pids);
  });
});
