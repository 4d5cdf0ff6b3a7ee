// Security: a child cannot forge berth's events; secrets appear in no output; the ready
// file cannot be planted; the health endpoint answers two paths, in bounded size and time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { BERTH_COMMAND, NODE, runBerth, startBerth, tempDir, type Berth, type Line } from '../helpers/berth.js';
import { asUser, fx, reportedPids, stopAndTime, until } from '../helpers/faults.js';
import { freePort } from '../helpers/net.js';
import { processStartTime } from '../../src/os/proc.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
const started: Berth[] = [];
const sockets: Socket[] = [];
beforeAll(() => {
  t = tempDir('berth-faults-sec-');
  chmodSync(t.dir, 0o755);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const b of started.splice(0)) {
    b.killOwn(reportedPids(b));
    b.kill('SIGKILL');
  }
});
afterAll(() => t.cleanup());

const start = (args: string[], opts: Parameters<typeof startBerth>[1] = {}) => {
  const b = startBerth(args, { ...opts, env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`), ...opts.env } });
  started.push(b);
  return b;
};
const own = (l: Line) => l.event !== undefined && l.stream === undefined; // berth's events never carry `stream`

describe('a child cannot forge berth\'s events', () => {
  it('lines that look like events stay child lines, with berth\'s service and stream', async () => {
    const b = start(['-c', t.write('forge.yaml', `services:\n  app: { command: [${NODE}, ${fx('forge.mjs')}] }\n`)]);
    await b.waitForEvent('ready');
    await until(() => b.lines.filter((l) => l.service === 'app' && l.stream).length >= 17, 10_000, 'every forged line');
    const r = await stopAndTime(b);
    expect(r.code).toBe(0);
    const child = b.lines.filter((l) => l.stream !== undefined);
    expect(child.length).toBe(17);
    for (const l of child) {
      expect(l.service).toBe('app');
      expect(['stdout', 'stderr']).toContain(l.stream);
    }
    expect(child.filter((l) => l.stream === 'stdout' && l.event === 'ready')).toHaveLength(4);
    // berth's own: one ready, one shutdown.done, nothing about "db"
    expect(b.lines.filter((l) => own(l) && l.event === 'ready')).toHaveLength(1);
    expect(b.lines.filter((l) => own(l) && l.event === 'shutdown.done')).toHaveLength(1);
    expect(b.lines.filter((l) => own(l) && l.service === 'db')).toHaveLength(0);
    expect(b.lines.filter((l) => 'raw' in l)).toHaveLength(0); // every line berth wrote is JSON
  });
});

describe('secrets appear in no output', () => {
  const SECRET = 'hunter2-Zq8!x"y';
  const secretFile = () => t.write(`secret-${++n}`, `${SECRET}\n`);

  it('child output: plain, inside JSON, across two writes, past a 64 KiB cut, on stderr, with no newline', async () => {
    const script = [
      'const s = process.env.TOKEN;',
      'console.log("plain " + s);',
      'console.log(JSON.stringify({ msg: "json", token: s }));',
      'process.stdout.write("split " + s.slice(0, 4)); setTimeout(() => { process.stdout.write(s.slice(4) + " done\\n");',
      '  console.log("x".repeat(65536 - 7) + s + "y".repeat(100));',
      '  console.error("stderr " + s); process.stdout.write("tail " + s); setInterval(() => {}, 1000); }, 100);',
    ].join('\n');
    const cfg = t.write(`secrets-out-${++n}.yaml`, `secrets: [TOKEN]\nservices:\n  app: { command: [${NODE}, -e, ${JSON.stringify(script)}] }\n`);
    const b = start(['-c', cfg], { env: { TOKEN_FILE: secretFile() } });
    await b.waitFor((l) => l.service === 'app' && l.stream === 'stderr');
    expect((await stopAndTime(b)).code).toBe(0);
    const all = b.stdoutText() + b.stderr();
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    const msgs = b.lines.filter((l) => l.service === 'app').map((l) => String(l.msg ?? l.token));
    expect(msgs).toEqual(expect.arrayContaining(['plain ***', 'split *** done', 'stderr ***', 'tail ***']));
  });

  it('the readiness-timeout report: last lines and process command lines masked', async () => {
    const cfg = t.write(`secrets-timeout-${++n}.yaml`, [
      'secrets: [TOKEN]',
      'services:',
      `  app: { command: [sh, -c, 'echo "token is $$TOKEN"; exec ${NODE} -e "setInterval(() => {}, 1000)" -- "$$TOKEN"'], ready: "file:${join(t.dir, 'never')}", readyTimeout: 1s }`,
    ].join('\n'));
    const r = await runBerth(['-c', cfg], { env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`), TOKEN_FILE: secretFile() } });
    expect(r.code).toBe(69);
    const report = r.events('ready.timeout')[0]!;
    expect(JSON.stringify(report)).toContain('***');
    expect((report.lastLines as string[]).join('\n')).toContain('token is ***');
    expect(JSON.stringify(report.processes)).toContain('***');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('a secret of one character does not break berth\'s own lines (keys, numbers and quotes intact)', async () => {
    const cfg = t.write(`short-${++n}.yaml`, `secrets: [PIN]\nservices:\n  app: { command: [sh, -c, 'echo "pin $$PIN level 7"; exit 0'] }\n`);
    const r = await runBerth(['-c', cfg], { env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`), PIN_FILE: t.write(`pin-${n}`, '7') } });
    expect(r.code).toBe(0);
    expect(r.lines.filter((l) => 'raw' in l)).toHaveLength(0); // every line still JSON
    const start = r.events('service.start')[0]!;
    expect(typeof start.pid).toBe('number');
    expect(r.lines.filter((l) => l.service === 'app' && l.stream).map((l) => l.msg)).toEqual(['pin *** level ***']);
    expect(r.events('shutdown.done')).toHaveLength(1);
  });

  it('berth plan, plan --json and check: a secret interpolated into a URL, a path or an argv is shown as ***', async () => {
    const token = 's3cr3t-Token-42';
    const cfg = t.write(`plan-${++n}.yaml`, [
      'secrets: [TOKEN]',
      'waitFor: ["http://user:${TOKEN}@127.0.0.1:1/"]',
      'services:',
      '  app:',
      '    command: [curl, "https://api/?key=${TOKEN}"]',
      '    cwd: /srv/${TOKEN}',
      '    requires: ["${TOKEN}.json"]',
      '    ready: "http://127.0.0.1:1/${TOKEN}"',
    ].join('\n'));
    for (const argv of [['plan', '-c', cfg], ['plan', '--json', '-c', cfg], ['check', '-c', cfg], ['check', '--json', '-c', cfg]]) {
      const r = await runBerth(argv, { env: { TOKEN: token } });
      expect(r.stdout + r.stderr, argv.join(' ')).not.toContain(token);
      expect(r.stdout + r.stderr, argv.join(' ')).toContain('***');
    }
  });

  it('a config error that quotes an interpolated secret masks it', async () => {
    const token = 'tok-Unsplittable-9';
    const cfg = t.write(`bad-${++n}.yaml`, `secrets: [TOKEN]\nservices:\n  app: { command: "app --token=\${TOKEN} '" }\n`);
    const r = await runBerth(['-c', cfg], { env: { TOKEN: token } });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/unterminated quote/);
    expect(r.stderr).not.toContain(token);
  });
});

describe('the ready file cannot be planted', () => {
  const uid = 43_000 + (process.pid % 1000);
  const other = uid + 1;
  const dir = `/tmp/berth-${uid}`;
  // the helper's control socket sits in a directory of root's (0700) the user cannot enter: one of the user's own
  const control = `/tmp/berth-${uid}-ctl/control.sock`;
  beforeAll(() => [dir, dirname(control)].forEach((d) => rmSync(d, { recursive: true, force: true })));
  afterAll(() => [dir, dirname(control)].forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a directory another user made first (/tmp squatting): berth does not write there, and a file planted there does not pass berth health', async () => {
    mkdirSync(dir);
    chownSync(dir, other, other);
    chmodSync(dir, 0o1777); // sticky and open, like /tmp: only its owner may replace files
    const b = start(['--', 'sleep', '30'], { cwd: '/tmp', env: { BERTH_READY_FILE: undefined, BERTH_CONTROL: control }, wrap: asUser(uid) });
    await b.waitForEvent('ready');
    expect(existsSync(`${dir}/ready`)).toBe(false);
    // the squatter forges the file with berth's real pid and start time, both readable in /proc
    writeFileSync(`${dir}/ready`, JSON.stringify({ pid: b.pid, startTime: processStartTime(b.pid), readyAt: Date.now(), services: { sleep: { pid: 1, readyAt: 1 } } }));
    chownSync(`${dir}/ready`, other, other);
    const [cmd, ...args] = asUser(uid);
    const health = spawnSync(cmd!, [...args, ...BERTH_COMMAND, 'health'], { cwd: '/tmp', encoding: 'utf8', env: { ...process.env, BERTH_READY_FILE: undefined } as NodeJS.ProcessEnv });
    expect(health.status, health.stdout).toBe(1);
    expect(health.stderr).toMatch(/belongs to uid/);
    expect((await stopAndTime(b)).code).toBe(0);
  });

  it('the same squatted directory as the default control socket\'s: berth refuses to start (78), says whose it is, starts nothing', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    chownSync(dir, other, other);
    chmodSync(dir, 0o1777);
    const marker = `${dir}-started`;
    rmSync(marker, { force: true });
    const r = await runBerth(['--', 'sh', '-c', `touch ${marker}; exec sleep 30`], { cwd: '/tmp', env: { BERTH_READY_FILE: undefined, BERTH_CONTROL: undefined }, wrap: asUser(uid) });
    expect(r.code).toBe(78);
    const failed = r.events('control.failed')[0];
    expect(failed).toMatchObject({ control: `${dir}/control.sock` });
    expect(failed!.msg).toContain(`uid ${other} owns it`);
    expect(r.events('service.start')).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${dir}/control.sock`)).toBe(false);
  });

  it('the file berth writes, and the directories it makes, are writable by no one else', async () => {
    const base = join(t.dir, `perm-${++n}`);
    const ready = join(base, 'run', 'ready');
    const b = start(['--', 'sleep', '30'], { env: { BERTH_READY_FILE: ready } });
    await b.waitForEvent('ready');
    for (const p of [ready, join(base, 'run'), base]) expect(statSync(p).mode & 0o022, p).toBe(0);
    expect((await stopAndTime(b)).code).toBe(0);
  });
});

describe('the health endpoint', () => {
  async function healthBerth(): Promise<{ b: Berth; port: number }> {
    const port = await freePort();
    const cfg = t.write(`health-${++n}.yaml`, `secrets: [TOKEN]\nhealth: { listen: "127.0.0.1:${port}" }\nservices:\n  app: { command: [sleep, "60"], env: { KEY: "\${TOKEN}" } }\n`);
    const b = start(['-c', cfg], { env: { TOKEN: 'tok-health-Secret' } });
    await b.waitForEvent('ready');
    return { b, port };
  }
  /** one raw HTTP exchange: what came back before the server closed (or timeoutMs passed) */
  function exchange(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      let text = '';
      const timer = setTimeout(() => (s.destroy(), resolve({ text, closed: false })), timeoutMs);
      s.on('data', (d) => (text += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => (clearTimeout(timer), resolve({ text, closed: true })));
      s.write(request);
    });
  }
  const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const get = (path: string, method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

  it('answers /livez and /readyz, and nothing else: 404 for other paths, 405 for other methods, no secrets', async () => {
    const { b, port } = await healthBerth();
    const live = await exchange(port, get('/livez'));
    expect(statusOf(live.text)).toBe(200);
    const ready = await exchange(port, get('/readyz?verbose=1'));
    expect(statusOf(ready.text)).toBe(200);
    // what /readyz documents: each service's state, ready and reason (berth's own words), nothing more
    const body = JSON.parse(ready.text.slice(ready.text.indexOf('\r\n\r\n') + 4)) as { status: string; services: Record<string, unknown> };
    expect(body).toEqual({ status: 'ready', services: { app: { state: 'ready', ready: true, reason: 'started (it has no ready probe)' } } });
    expect(ready.text).not.toContain('tok-health-Secret');
    expect(statusOf((await exchange(port, get('/livez', 'HEAD'))).text)).toBe(200);
    for (const path of ['/', '/livez/', '/readyz/x', '/metrics', '//livez', '/../livez', '/%6civez', '/livez%00', 'http://x/livez', '/env', '/debug/pprof']) {
      expect(statusOf((await exchange(port, get(path))).text), path).toBe(404);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      expect(statusOf((await exchange(port, get('/livez', method))).text), method).toBe(405);
    }
    expect((await stopAndTime(b)).code).toBe(0);
  });

  it('bounded request size: 16 KiB of headers or a 64 KiB path get no answer but a closed connection', async () => {
    const { b, port } = await healthBerth();
    const bigHeader = await exchange(port, `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
    expect(bigHeader.closed).toBe(true);
    expect([0, 431]).toContain(statusOf(bigHeader.text));
    const bigPath = await exchange(port, get(`/livez?${'q'.repeat(64 * 1024)}`));
    expect(bigPath.closed).toBe(true);
    expect([0, 414, 431]).toContain(statusOf(bigPath.text));
    const garbage = await exchange(port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]));
    expect(garbage.closed).toBe(true);
    expect(statusOf((await exchange(port, get('/livez'))).text)).toBe(200);
    expect((await stopAndTime(b)).code).toBe(0);
  });

  it('a slow-loris client: one slow connection does not delay others; 100 are cut within the header timeout; berth lives on', async () => {
    const { b, port } = await healthBerth();
    const open = (): Socket => {
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => {});
      s.write('GET /livez HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => !s.destroyed && s.write('X'), 500);
      s.on('close', () => clearInterval(drip));
      return s;
    };
    open();
    const t0 = Date.now();
    expect(statusOf((await exchange(port, get('/livez'))).text)).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1_500);
    const loris = Array.from({ length: 100 }, open);
    const opened = Date.now();
    await until(() => loris.every((s) => s.destroyed || s.closed), 20_000, 'every slow connection to be closed by berth');
    expect(Date.now() - opened).toBeLessThan(15_000); // headersTimeout 5 s, checked each second
    const after = await exchange(port, get('/livez'));
    expect(statusOf(after.text)).toBe(200);
    expect((await stopAndTime(b)).code).toBe(0);
  });

  it('10,000 pipelined requests never read: berth stays small and still answers another client', async () => {
    const { b, port } = await healthBerth();
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => {});
    s.pause(); // never read the answers
    s.write(`GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(10_000));
    const rss: number[] = [];
    await until(() => (rss.push(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${b.pid}/status`, 'utf8'))![1]) * 1024), rss.length >= 20), 10_000, 'RSS samples');
    expect(Math.max(...rss)).toBeLessThan(200 << 20);
    expect(statusOf((await exchange(port, get('/livez'))).text)).toBe(200);
    expect((await stopAndTime(b)).code).toBe(0);
  });

  it('a health address already in use: 78 and why, no stack trace', async () => {
    const port = await freePort();
    const squatter = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const cfg = t.write(`health-taken-${++n}.yaml`, `health: { listen: "127.0.0.1:${port}" }\nservices:\n  app: { command: [sleep, "30"] }\n`);
      const r = await runBerth(['-c', cfg], { env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`) } });
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(78);
      expect(r.stdout + r.stderr).toMatch(/already in use/);
    } finally {
      squatter.close();
    }
  });
});
