// Hostile processes: what a child leaves behind, helpers that never end, commands berth
// cannot run. Real processes against the real berth.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, startBerth, tempDir, type Berth } from '../helpers/berth.js';
import { asUser, killAll, reportedPids, stopAndTime, until } from '../helpers/faults.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
beforeAll(() => {
  t = tempDir('berth-hostile-proc-');
  chmodSync(t.dir, 0o755);
});
afterEach(() => {
  for (const b of started.splice(0)) {
    b.killOwn(reportedPids(b));
    b.kill('SIGKILL');
  }
});
const ctlDirs: string[] = [];
afterAll(() => {
  t.cleanup();
  for (const d of ctlDirs) rmSync(d, { recursive: true, force: true });
});

const start = (config: string, opts: Parameters<typeof startBerth>[1] = {}) => {
  const b = startBerth(['-c', t.write(`c-${++n}.yaml`, config)], { ...opts, env: { BERTH_READY_FILE: join(t.dir, `ready-${n}`), ...opts.env } });
  started.push(b);
  return b;
};

/** a script that starts a helper in a new session, holding the inherited stdout, then exits 0 once it has detached */
const daemonizing = () => {
  const up = join(t.dir, `up-${++n}`);
  return t.write(
    `daemonize-${n}.sh`,
    `#!/bin/sh\nsetsid sh -c 'echo "helper pid $$"; echo $$ > ${up}; sleep 1; echo "helper still talking"; exec sleep 60' &\nwhile [ ! -s ${up} ]; do sleep 0.01; done\necho "task done"\nexit 0\n`,
  );
};

describe('a task that leaves a detached helper holding its stdout', () => {
  it('ends when its process ends: task.leftovers names the helper, services start, its output is still relayed, SIGTERM works', async () => {
    const script = daemonizing();
    chmodSync(script, 0o755);
    const b = start(`tasks:\n  - { name: migrate, command: [${script}] }\nservices:\n  app: { command: [sleep, "60"] }\n`);
    const left = await b.waitForEvent('task.leftovers', {}, 10_000);
    const helper = Number(/helper pid (\d+)/.exec(String(b.lines.find((l) => /helper pid/.test(String(l.msg)))?.msg))?.[1]);
    expect(left.task).toBe('migrate');
    expect(left.pids).toContain(helper); // and its own child (sleep 1), which holds it too
    expect(String(left.msg)).toMatch(/make it a service/);
    await b.waitForEvent('ready', {}, 10_000);
    await b.waitFor((l) => l.service === 'migrate' && l.msg === 'helper still talking', 10_000, 'the helper\'s later line');
    const r = await stopAndTime(b);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5_000);
    killAll([helper]);
  });

  it('a service that leaves one: service.leftovers, and it restarts as usual', async () => {
    const script = daemonizing();
    chmodSync(script, 0o755);
    const b = start(`services:\n  app: { command: [${script}], restart: never }\n  keep: { command: [sleep, "60"] }\n`);
    const left = await b.waitForEvent('service.leftovers', {}, 10_000);
    expect(left.service).toBe('app');
    expect((left.pids as number[]).length).toBeGreaterThan(0);
    await b.waitForEvent('service.exit', { service: 'app' }, 10_000);
    const r = await stopAndTime(b);
    expect(r.ms).toBeLessThan(5_000);
    killAll(left.pids as number[]);
  });
});

describe('helpers berth runs are bounded by what they serve, and their whole group ends', () => {
  const pidsIn = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : []);

  for (const bg of ['sleep 25', 'sleep infinity']) {
    it(`an exec probe leaving \`${bg} &\` holding its output: readyTimeout 2s still ends berth with 69 in time, and the background child is gone`, async () => {
      const pidFile = join(t.dir, `bg-${++n}`);
      const b = start(`services:\n  app:\n    command: [sleep, "60"]\n    ready: { exec: [sh, -c, "${bg} & echo $! >> ${pidFile}; exit 1"] }\n    readyTimeout: 2s\n`);
      const t0 = Date.now();
      const r = await b.exited;
      expect(r.code).toBe(69);
      expect(Date.now() - t0).toBeLessThan(8_000); // 2 s, retries, the report; not 25 s, not never
      const bgPids = pidsIn(pidFile);
      expect(bgPids.length).toBeGreaterThan(0);
      await until(() => bgPids.every((p) => !alive(p)), 5_000, 'every background child of the probe to be gone');
    });
  }

  it('one attempt that exits 0 but leaves `sleep infinity &`: ready at once, nothing left', async () => {
    const pidFile = join(t.dir, `bg-${++n}`);
    const b = start(`services:\n  app:\n    command: [sleep, "60"]\n    ready: { exec: [sh, -c, "sleep infinity & echo $! >> ${pidFile}; exit 0"] }\n    readyTimeout: 10s\n`);
    await b.waitForEvent('ready', {}, 5_000);
    const bgPids = pidsIn(pidFile);
    await until(() => bgPids.every((p) => !alive(p)), 5_000, 'the probe\'s background child to be gone');
    expect((await stopAndTime(b)).code).toBe(0);
  });
});

describe('preflight finds what the spawn would refuse: 78 before any task runs, not 126 after', () => {
  /** a control socket directory the unprivileged berth may use */
  const nobodyEnv = () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-hp-ctl-'));
    ctlDirs.push(dir);
    chownSync(dir, 65534, 65534);
    return { BERTH_CONTROL: join(dir, 'control.sock') };
  };
  const task = (user: string) => `tasks:\n  - { name: first, command: [sh, -c, "echo task ran"] }\nservices:\n  app: { command: [sleep, "30"], user: "${user}" }\n`;

  for (const [user, says] of [
    ['root', /user "root" is uid 0, and berth runs as uid 65534 .*without the CAP_SETUID capability/],
    ['65534:0', /gid 0, and berth runs as uid 65534 .*CAP_SETGID/],
  ] as const) {
    it(`a non-root berth with user: ${user}`, async () => {
      const b = start(task(user), { cwd: '/tmp', wrap: asUser(65534), env: nobodyEnv() });
      const r = await b.exited;
      expect(r.code, b.stderr()).toBe(78);
      expect(String(b.lines.find((l) => l.event === 'preflight.failed')?.msg), JSON.stringify(b.lines) + b.stderr()).toMatch(says);
      expect(b.lines.some((l) => l.msg === 'task ran')).toBe(false);
    });
  }

  it('a non-root berth with its own user: runs', async () => {
    const b = start(`services:\n  app: { command: [sh, -c, "echo as $(id -u)"], user: "65534:65534", restart: never }\n`, { cwd: '/tmp', wrap: asUser(65534), env: nobodyEnv() });
    await b.waitFor((l) => l.msg === 'as 65534', 10_000, 'the service\'s line');
    expect((await b.exited).code).toBe(0);
  });

  it('an env value over the kernel\'s limit for one string', async () => {
    const b = start(`services:\n  app: { command: [sleep, "30"], env: { BIG: "${'x'.repeat(200_000)}" } }\n`);
    expect((await b.exited).code).toBe(78);
    expect(String(b.lines.find((l) => l.event === 'preflight.failed')?.msg)).toMatch(/env BIG is 200004 bytes; the kernel takes at most \d+ in one argument or variable \(E2BIG\)/);
  });

  it('an argv over the kernel\'s total (many arguments, each under the limit)', async () => {
    const args = Array.from({ length: 22 }, () => `"${'a'.repeat(100_000)}"`).join(', ');
    const b = start(`tasks:\n  - { name: big, command: [echo, ${args}] }\n`);
    expect((await b.exited).code).toBe(78);
    expect(String(b.lines.find((l) => l.event === 'preflight.failed')?.msg)).toMatch(/take \d+ bytes; the kernel allows \d+ here .*E2BIG/);
  });
});
