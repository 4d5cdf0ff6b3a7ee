// Hostile processes: what a child leaves behind, helpers that never end, commands berth
// cannot run. Real processes against the real berth.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startBerth, tempDir, type Berth } from '../helpers/berth.js';
import { killAll, reportedPids, stopAndTime, until } from './util.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
beforeAll(() => {
  t = tempDir('berth-hostile-proc-');
  chmodSync(t.dir, 0o755);
});
afterEach(() => {
  for (const b of started.splice(0)) {
    killAll(reportedPids(b));
    b.kill('SIGKILL');
  }
});
afterAll(() => t.cleanup());

const start = (config: string, opts: Parameters<typeof startBerth>[1] = {}) => {
  const b = startBerth(['-c', t.write(`c-${++n}.yaml`, config)], { ...opts, env: { BERTH_READY_FILE: join(t.dir, `ready-${n}`), ...opts.env } });
  started.push(b);
  return b;
};

/** a script that starts a helper in a new session, holding the inherited stdout, then exits 0 */
const daemonizing = () =>
  t.write(
    `daemonize-${++n}.sh`,
    `#!/bin/sh\nsetsid sh -c 'echo "helper pid $$"; sleep 1; echo "helper still talking"; exec sleep 60' &\necho "task done"\nexit 0\n`,
  );

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
