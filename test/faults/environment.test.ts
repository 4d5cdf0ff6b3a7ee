// Faults around berth: where it writes (the ready file's directory missing or read-only),
// where its output goes (stdout closed, or never read), what it can read (/proc not
// mounted), and who it runs as (an unprivileged user with the default ready file).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { alive, BERTH_COMMAND, NODE, startBerth, tempDir, type Berth } from '../helpers/berth.js';
import { asUser, expectNoneAlive, fx, killAll, reportedPids, stopAndTime, until } from '../helpers/faults.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
const extraPids: number[] = [];
beforeAll(() => {
  t = tempDir('berth-faults-env-');
  chmodSync(t.dir, 0o755); // an unprivileged berth must reach its fixtures
});
afterEach(() => {
  for (const b of started.splice(0)) {
    b.killOwn(reportedPids(b));
    b.kill('SIGKILL');
  }
  killAll(extraPids.splice(0));
});
afterAll(() => t.cleanup());

const start = (args: string[], opts: Parameters<typeof startBerth>[1] = {}) => {
  const b = startBerth(args, opts);
  started.push(b);
  return b;
};
const readPid = (file: string) => Number(readFileSync(file, 'utf8').trim());
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
/** mount namespace of its own, with `mount` run first: berth sees that filesystem, nobody else does */
const inMountNs = (mount: string) => ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mount} && exec "$@"`, 'sh'];

describe('the ready file', () => {
  it('its directory missing: created (0755, parents too), the file written (0644) and removed at the end', async () => {
    const ready = join(t.dir, `missing-${++n}`, 'deep', 'er', 'ready');
    const b = start(['--', 'sleep', '30'], { env: { BERTH_READY_FILE: ready } });
    await b.waitForEvent('ready');
    expect(existsSync(ready)).toBe(true);
    expect(statSync(ready).mode & 0o777).toBe(0o644);
    for (const d of ['', '/deep', '/deep/er']) expect(statSync(join(t.dir, `missing-${n}`) + d).mode & 0o777).toBe(0o755);
    expect((await stopAndTime(b)).code).toBe(0);
    expect(existsSync(ready)).toBe(false);
  });

  it('a path that names some other file (a typo in BERTH_READY_FILE): that file is neither deleted nor replaced', async () => {
    const precious = t.write(`server-${++n}.js`, 'console.log("my app");\n');
    const b = start(['--', 'sh', '-c', 'exec sleep 30'], { env: { BERTH_READY_FILE: precious } });
    await b.waitForEvent('ready');
    expect(readFileSync(precious, 'utf8')).toBe('console.log("my app");\n');
    expect((await stopAndTime(b)).code).toBe(0);
    expect(readFileSync(precious, 'utf8')).toBe('console.log("my app");\n');
  });

  it('its directory on a read-only filesystem: the services run anyway and stop cleanly', async () => {
    const ro = join(t.dir, `ro-${++n}`);
    mkdirSync(ro);
    const b = start(['--', 'sleep', '30'], { env: { BERTH_READY_FILE: join(ro, 'berth', 'ready') }, wrap: inMountNs(`mount -t tmpfs -o ro none ${ro}`) });
    await b.waitForEvent('ready');
    const pids = reportedPids(b);
    const { code } = await stopAndTime(b);
    expect(code).toBe(0);
    await expectNoneAlive(pids);
  });

  it('its directory read-only: berth says it could not write the ready file', async () => {
    const ro = join(t.dir, `ro-${++n}`);
    mkdirSync(ro);
    const b = start(['--', 'sleep', '30'], { env: { BERTH_READY_FILE: join(ro, 'ready') }, wrap: inMountNs(`mount -t tmpfs -o ro none ${ro}`) });
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.level === 'warn' && JSON.stringify(l).includes(join(ro, 'ready')), 3_000, 'a warning naming the ready file');
  });
});

describe("berth's stdout", () => {
  it('closed by the reader (EPIPE) while a child floods: berth keeps supervising, becomes ready, stops on SIGTERM', async () => {
    const [ready, pidFile, hup] = [join(t.dir, `epipe-ready-${++n}`), join(t.dir, `epipe-pid-${n}`), join(t.dir, `epipe-hup-${n}`)];
    const b = start(['--', NODE, fx('flood-mark.mjs'), pidFile, hup], { env: { BERTH_READY_FILE: ready } });
    b.proc.stdout!.destroy(); // the log collector went away
    await until(() => existsSync(ready) && existsSync(pidFile), 15_000, 'the ready file');
    const child = readPid(pidFile);
    extraPids.push(child);
    b.kill('SIGHUP');
    await until(() => existsSync(hup), 10_000, 'the SIGHUP to reach the child');
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(b.stderr()).not.toMatch(/internal error|\n\s+at /);
    expect(alive(child)).toBe(false);
  });

  it('closed, with --log-format raw: the child writes there itself and meets the EPIPE; berth reports its exit on stderr', async () => {
    // raw with nothing to mask hands the child berth's own stdout, as if berth were not there
    const [ready, pidFile, hup] = [join(t.dir, `raw-ready-${++n}`), join(t.dir, `raw-pid-${n}`), join(t.dir, `raw-hup-${n}`)];
    const b = start(['--log-format', 'raw', '--', NODE, fx('flood-mark.mjs'), pidFile, hup], { env: { BERTH_READY_FILE: ready } });
    b.proc.stdout!.destroy();
    const r = await b.exited; // node dies of an unhandled EPIPE
    const events = b.stderr().split('\n').filter((l) => l.startsWith('{"level"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const exit = events.find((e) => e.event === 'service.exit')!;
    expect(exit).toMatchObject({ service: 'node', status: r.code });
    expect(events.find((e) => e.event === 'shutdown.done')).toMatchObject({ status: r.code });
    expect(b.stderr()).not.toMatch(/internal error/);
  });

  it('closed before berth starts (fd 1 shut): runs, stops, exits 0', async () => {
    const ready = join(t.dir, `closed-ready-${++n}`);
    const b = start(['--', 'sh', '-c', 'echo hello; exec sleep 30'], { env: { BERTH_READY_FILE: ready }, wrap: ['sh', '-c', 'exec "$@" >&-', 'sh'] });
    await until(() => existsSync(ready), 15_000, 'the ready file');
    const { code } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(b.stderr()).not.toMatch(/internal error|\n\s+at /);
  });

  it('never read while a child floods: memory stays bounded, signals still forwarded, SIGTERM still stops it', async () => {
    const [ready, pidFile, hup] = [join(t.dir, `stuck-ready-${++n}`), join(t.dir, `stuck-pid-${n}`), join(t.dir, `stuck-hup-${n}`)];
    const b = start(['--stop-timeout', '2s', '--', NODE, fx('flood-mark.mjs'), pidFile, hup], { env: { BERTH_READY_FILE: ready } });
    b.proc.stdout!.pause();
    await until(() => existsSync(pidFile), 15_000, 'the child');
    extraPids.push(readPid(pidFile));
    const out = b.proc.stdout!;
    await until(() => out.readableLength >= out.readableHighWaterMark, 15_000, 'the pipe to fill');
    const rss: number[] = [];
    await until(() => (rss.push(rssOf(b.pid)), rss.length >= 20), 10_000, '20 samples of berth RSS'); // one per 25 ms poll
    expect(Math.max(...rss)).toBeLessThan(200 << 20);
    expect(existsSync(ready)).toBe(true);
    b.kill('SIGHUP');
    await until(() => existsSync(hup), 10_000, 'the SIGHUP to reach the child');
    const { code, ms } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('/proc not mounted (an empty tmpfs over it)', () => {
  it('tasks, a tcp probe, forwarding and shutdown still work; the ready file says it cannot vouch for itself', async () => {
    const [port, ready] = [await freePort(), join(t.dir, `noproc-ready-${++n}`)];
    const cfg = t.write(`noproc-${n}.yaml`, [
      'tasks:',
      '  - { name: migrate, command: "sh -c \'echo migrated\'" }',
      'services:',
      `  app: { command: [${NODE}, -e, "require('net').createServer().listen(${port}, '127.0.0.1'); process.on('SIGHUP', () => console.log('got SIGHUP')); console.log('pid', process.pid)"], ready: "tcp:127.0.0.1:${port}", readyTimeout: 20s }`,
    ].join('\n'));
    const b = start(['-c', cfg], { env: { BERTH_READY_FILE: ready }, wrap: inMountNs('mount -t tmpfs none /proc') });
    await b.waitForEvent('ready', {}, 30_000);
    b.kill('SIGHUP');
    await b.waitFor((l) => l.service === 'app' && l.msg === 'got SIGHUP');
    const file = JSON.parse(readFileSync(ready, 'utf8')) as { startTime: number };
    expect(file.startTime).toBe(0); // no /proc: no start time to prove this berth wrote it
    const health = spawnSync(BERTH_COMMAND[0]!, [...BERTH_COMMAND.slice(1), 'health', '--ready-file', ready], { encoding: 'utf8' });
    expect(health.status).toBe(1);
    expect(health.stderr).toMatch(/no start time/);
    const pids = reportedPids(b);
    const { code } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(b.stderr()).not.toMatch(/internal error|\n\s+at /);
    await expectNoneAlive(pids);
  });
});

describe('an unprivileged user', () => {
  const uid = 42_000 + (process.pid % 1000); // no passwd entry needed; one per test run
  const dir = `/tmp/berth-${uid}`;
  beforeAll(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`gets /tmp/berth-UID/ready and /tmp/berth-UID/control.sock by default: its own 0700 directory, a 0644 file, berth health and berth ctl pass, then removed`, async () => {
    // the real user's case: both defaults, in one directory the control socket makes first (0700)
    const b = start(['--', 'sh', '-c', 'echo up; exec sleep 30'], { cwd: '/tmp', env: { BERTH_READY_FILE: undefined, BERTH_CONTROL: undefined }, wrap: asUser(uid) });
    const ready = await b.waitForEvent('ready');
    expect(ready.readyFile).toBe(`${dir}/ready`);
    const [d, f, s] = [statSync(dir), statSync(`${dir}/ready`), statSync(`${dir}/control.sock`)];
    expect([d.uid, d.mode & 0o7777]).toEqual([uid, 0o700]);
    expect([f.uid, f.mode & 0o7777]).toEqual([uid, 0o644]);
    expect([s.uid, s.isSocket(), s.mode & 0o777]).toEqual([uid, true, 0o600]);
    const [cmd, ...args] = asUser(uid);
    const asThem = { encoding: 'utf8', cwd: '/tmp', env: { ...process.env, BERTH_READY_FILE: undefined, BERTH_CONTROL: undefined } as NodeJS.ProcessEnv } as const;
    const health = spawnSync(cmd!, [...args, ...BERTH_COMMAND, 'health'], asThem);
    expect(health.status, health.stderr).toBe(0);
    const status = spawnSync(cmd!, [...args, ...BERTH_COMMAND, 'ctl', 'status', '--json'], asThem);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain('"ready"');
    const pids = reportedPids(b);
    const { code } = await stopAndTime(b);
    expect(code).toBe(0);
    expect(existsSync(`${dir}/ready`)).toBe(false);
    expect(existsSync(`${dir}/control.sock`)).toBe(false);
    await expectNoneAlive(pids);
  });

  it('runs tasks and services as that user, who cannot write root\'s files', async () => {
    const secret = t.write(`root-only-${++n}`, 'x');
    chmodSync(secret, 0o600);
    const cfg = t.write(`user-${n}.yaml`, `tasks:\n  - { name: whoami, command: "sh -c 'id -u; echo y >> ${secret} || echo denied'" }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = start(['-c', cfg], { cwd: '/tmp', env: { BERTH_READY_FILE: undefined }, wrap: asUser(uid) });
    await b.waitForEvent('ready');
    const said = b.lines.filter((l) => l.service === 'whoami' && l.stream === 'stdout').map((l) => l.msg);
    expect(said).toEqual([String(uid), 'denied']);
    expect(readFileSync(secret, 'utf8')).toBe('x');
    expect((await stopAndTime(b)).code).toBe(0);
  });
});

