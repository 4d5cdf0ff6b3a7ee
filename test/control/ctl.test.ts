// berth ctl against a real berth: every verb, its events and exit codes.
import { existsSync, mkdirSync, chownSync, symlinkSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startControlled, runCtl, spawnCtl, type Controlled } from '../helpers/ctl.js';
import { startBerth, tempDir, alive } from '../helpers/berth.js';

const open: Controlled[] = [];
const start = (config: string, opts?: Parameters<typeof startControlled>[1]) => {
  const c = startControlled(config, opts);
  open.push(c);
  return c;
};
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

const TWO = `
control: CONTROL
tasks:
  - name: migrate
    command: [sh, -c, "echo migrated"]
services:
  web:
    command: [sh, -c, "trap 'echo got HUP' HUP; echo web up; while :; do sleep 0.2; done"]
  worker:
    command: [sleep, "1000"]
    after: [web]
`;

describe('berth ctl', () => {
  it('status: every service with state, pid, uptime, restarts and readiness; tasks with results; a table and --json', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const s = await c.status();
    expect(s.berth).toMatchObject({ pid: c.berth.pid, phase: 'running', ready: true });
    // berth's own memory, as the kernel counts it (VmRSS) and as V8 does
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${c.berth.pid}/status`, 'utf8'))![1]);
    expect(Math.abs(s.berth.memory.rssBytes / 1024 - rssKiB)).toBeLessThan(8 * 1024);
    expect(s.berth.memory.heapUsedBytes).toBeGreaterThan(1 << 20);
    expect(s.berth.memory.heapUsedBytes).toBeLessThanOrEqual(s.berth.memory.heapTotalBytes);
    const pids = Object.fromEntries(c.berth.events('service.start').map((l) => [l.service, l.pid]));
    expect(s.services).toEqual([
      expect.objectContaining({ name: 'web', state: 'ready', pid: pids.web, restarts: 0, lastExit: null, ready: true, uptimeMs: expect.any(Number) }),
      expect.objectContaining({ name: 'worker', state: 'ready', pid: pids.worker, restarts: 0, ready: true }),
    ]);
    expect(s.tasks).toEqual([expect.objectContaining({ name: 'migrate', state: 'done', status: 0 })]);
    const table = await c.ctl(['status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^berth \\S+, pid ${c.berth.pid}, up .*, running, ready, \\d+\\.\\d MiB RSS \\(heap \\d+\\.\\d MiB\\)`, 'm'));
    expect(table.stdout).toMatch(/^SERVICE\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST EXIT\s+READY\s+REASON$/m);
    expect(table.stdout).toMatch(new RegExp(`^web\\s+ready\\s+${pids.web}\\s`, 'm'));
    expect(table.stdout).toMatch(/^migrate\s+done\s+0\s/m);
  });

  it('stop keeps the container running and unready; start makes it ready again; each an event naming the caller', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const readyFile = join(c.dir, 'run', 'ready');
    expect(existsSync(readyFile)).toBe(true);
    const worker = c.berth.events('service.start').find((l) => l.service === 'worker')!.pid as number;

    const stopped = await c.ctl(['stop', 'worker']);
    expect(stopped).toMatchObject({ code: 0 });
    expect(stopped.stdout).toMatch(/worker stopped/);
    expect(alive(worker)).toBe(false);
    expect(existsSync(readyFile)).toBe(false);
    const ev = await c.berth.waitForEvent('control.stop');
    expect(ev).toMatchObject({ callerUid: 0, names: ['worker'] });
    expect(ev.callerPid).toEqual(expect.any(Number));
    expect((await c.status()).services[1]).toMatchObject({ name: 'worker', state: 'stopped', reason: 'stopped by operator', pid: null, ready: false, lastExit: expect.objectContaining({ signal: 'SIGTERM' }) });
    expect(c.berth.proc.exitCode).toBe(null);

    const started = await c.ctl(['start', 'worker']);
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/worker started and ready/);
    await c.berth.waitForEvent('control.start', { callerUid: 0 });
    expect(existsSync(readyFile)).toBe(true);
    const s = await c.status();
    expect(s.services[1]).toMatchObject({ state: 'ready', restarts: 1 });
    expect(s.services[1]!.pid).not.toBe(worker);
  });

  it('restart waits until the service is ready again, with a new pid', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const before = (await c.status()).services[0]!.pid;
    const r = await c.ctl(['restart', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web restarted and ready \(pid \d+\)/);
    const after = (await c.status()).services[0]!;
    expect(after).toMatchObject({ state: 'ready', restarts: 1 });
    expect(after.pid).not.toBe(before);
    await c.berth.waitForEvent('control.restart', { callerUid: 0 });
  });

  it('restart of a service that is not ready in time: 69 with the readiness report; berth stays up, unready', async () => {
    const c = start(`
control: CONTROL
services:
  app:
    command: [sleep, "1000"]
    ready: { exec: [test, -e, DIR/allow] }
    readyTimeout: 1s
`);
    writeFileSync(join(c.dir, 'allow'), '');
    await c.berth.waitForEvent('ready');
    rmSync(join(c.dir, 'allow'));
    const r = await c.ctl(['restart', 'app']);
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/app restarted but is not ready: .*not ready after/s);
    expect(r.stderr).toMatch(/test -e/);
    expect(c.berth.proc.exitCode).toBe(null);
    expect(existsSync(join(c.dir, 'run', 'ready'))).toBe(false);
    expect((await c.status()).services[0]).toMatchObject({ state: 'starting', ready: false });
    // and it is noticed when the cause is fixed: a start of a running service says so
    writeFileSync(join(c.dir, 'allow'), '');
    const again = await c.ctl(['restart', 'app']);
    expect(again.code).toBe(0);
    expect(existsSync(join(c.dir, 'run', 'ready'))).toBe(true);
  });

  it('signal sends to the service’s process group; a bad signal is a usage error', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const r = await c.ctl(['signal', 'HUP', 'web']);
    expect(r).toMatchObject({ code: 0 });
    await c.berth.waitFor((l) => l.service === 'web' && l.msg === 'got HUP', 10_000, 'web got HUP');
    await c.berth.waitForEvent('control.signal', { signal: 'SIGHUP', callerUid: 0 });
    const bad = await c.ctl(['signal', 'NOPE', 'web']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/unknown signal "NOPE"/);
  });

  it('logs: the last N lines, masked, then new ones with --follow', async () => {
    const secret = tempDir();
    const token = secret.write('token', 's3cret-value');
    const c = start(`
control: CONTROL
secrets: [TOKEN]
services:
  talker:
    command: [sh, -c, "for i in 1 2 3 4 5; do echo line $i $TOKEN; done; while read x < DIR/fifo; do echo later $x $TOKEN; done"]
`, { env: { TOKEN_FILE: token }, before: (dir) => execFileSync('mkfifo', [join(dir, 'fifo')]) });
    await c.berth.waitFor((l) => l.service === 'talker' && /line 5/.test(String(l.msg)));
    const r = await c.ctl(['logs', 'talker', '-n', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line 4 ***\nline 5 ***\n');

    const follow = spawnCtl(['logs', 'talker', '-n', '1', '--follow'], { control: c.control });
    await follow.waitForOutput(/line 5 \*\*\*\n/);
    // the client shows what berth kept, then subscribes in the same request: a line from now on reaches it
    writeFileSync(join(c.dir, 'fifo'), 'one\n');
    await follow.waitForOutput(/later one \*\*\*\n/);
    expect(follow.stdout()).toBe('line 5 ***\nlater one ***\n');
    c.berth.kill('SIGTERM');
    expect((await follow.exited).code).toBe(0);
    secret.cleanup();
  });

  it('an unknown name: 64 naming what exists; nobody answering: 69 naming the socket', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const r = await c.ctl(['restart', 'wrker']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/"wrker": no such service; this berth runs services: web, worker/);
    const t = tempDir();
    const none = await runCtl(['status'], { control: join(t.dir, 'control.sock') });
    expect(none.code).toBe(69);
    expect(none.stderr).toContain(join(t.dir, 'control.sock'));
    t.cleanup();
  });

  it('a second berth at the same control socket refuses to start (78) and harms nothing', async () => {
    const c = start(TWO);
    await c.berth.waitForEvent('ready');
    const readyFile = join(c.dir, 'run', 'ready');
    const before = readFileSync(readyFile, 'utf8');
    const second = startBerth(['-c', join(c.dir, 'berth.yaml'), '--ready-file', readyFile], { env: { BERTH_CONTROL: undefined } });
    expect((await second.exited).code).toBe(78);
    expect(second.events('start.refused')[0]?.msg).toMatch(new RegExp(`berth pid ${c.berth.pid} is already running here .*berth ctl`));
    expect(second.events('service.start')).toEqual([]);
    expect(readFileSync(readyFile, 'utf8')).toBe(before);
    expect((await c.ctl(['status'])).code).toBe(0);
  });

  it('refuses to start (78) when the socket directory is a planted symlink or belongs to someone else', async () => {
    const t = tempDir();
    try {
      const theirs = join(t.dir, 'theirs');
      mkdirSync(theirs);
      chownSync(theirs, 65534, 65534);
      for (const control of [join(theirs, 'control.sock'), join(t.dir, 'link', 'control.sock')]) {
        if (control.includes('link')) symlinkSync(theirs, join(t.dir, 'link'));
        const b = startBerth(['--ready-file', join(t.dir, 'ready'), 'sleep', '100'], { env: { BERTH_CONTROL: control } });
        expect((await b.exited).code).toBe(78);
        expect(b.events('control.failed')[0]?.msg).toMatch(/control socket .*refusing/);
        expect(b.events('service.start')).toEqual([]);
        expect(existsSync(join(theirs, 'control.sock'))).toBe(false);
      }
    } finally {
      t.cleanup();
    }
  });
});
