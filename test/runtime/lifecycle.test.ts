// CONTRACT §3 with real processes: directories, environment, order, groups, signals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, FIXTURES, runBerth, startBerth, tempDir, type Line } from '../helpers/berth.js';

const fx = (name: string) => join(FIXTURES, 'runtime', name);
let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
  mkdirSync(join(t.dir, 'packages/server'), { recursive: true });
});
afterAll(() => t.cleanup());
const env = (extra: Record<string, string> = {}) => ({ BERTH_READY_FILE: join(t.dir, 'ready'), ...extra });
const childLines = (lines: Line[], service: string) => lines.filter((l) => l.service === service && l.stream);

describe('directories and environment', () => {
  it('runs each task and service in its own cwd, relative to the config file', async () => {
    const cfg = t.write('cwd.yaml', [
      'tasks:',
      '  - { name: migrate, cwd: packages/server, command: [pwd] }',
      'services:',
      '  app: { cwd: ., command: "sh -c \'pwd; exit 0\'" }',
    ].join('\n'));
    const r = await runBerth(['-c', cfg], { cwd: '/', env: env() });
    expect(r.code).toBe(0);
    expect(childLines(r.lines, 'migrate').map((l) => l.msg)).toEqual([join(t.dir, 'packages/server')]);
    expect(childLines(r.lines, 'app').map((l) => l.msg)).toEqual([t.dir]);
    expect(r.events('task.start')[0]).toMatchObject({ cwd: join(t.dir, 'packages/server'), argv: ['pwd'] });
  });

  it('merges env lowest first: berth, envFile, top env, the service', async () => {
    t.write('.env', 'A=file\nB=file\n');
    const cfg = t.write('env.yaml', [
      'envFile: .env',
      'env: { B: top, C: top }',
      'services:',
      `  app: { command: [node, ${fx('env.mjs')}, A, B, C, D], env: { C: svc } }`,
    ].join('\n'));
    const r = await runBerth(['-c', cfg], { env: env({ A: 'berth', D: 'berth' }) });
    expect(r.code).toBe(0);
    const line = childLines(r.lines, 'app').find((l) => l.msg === 'env')!;
    expect(line.vars).toEqual({ A: 'file', B: 'top', C: 'svc', D: 'berth' });
  });

  it('reads a secret from NAME_FILE, masks it in child output and never logs it', async () => {
    const secretFile = t.write('pw', 's3cret-value\n');
    const cfg = t.write('secret.yaml', [
      'secrets: [DB_PASSWORD]',
      'services:',
      `  app: { command: "sh -c 'echo password is $$DB_PASSWORD; exit 0'" }`,
    ].join('\n'));
    const r = await runBerth(['-c', cfg], { env: env({ DB_PASSWORD_FILE: secretFile }) });
    expect(r.code).toBe(0);
    expect(childLines(r.lines, 'app').map((l) => l.msg)).toEqual(['password is ***']);
    expect(r.stdout + r.stderr).not.toContain('s3cret-value');
  });

  it('refuses a secret given both as NAME and NAME_FILE', async () => {
    const secretFile = t.write('pw2', 'x\n');
    const cfg = t.write('secret2.yaml', 'secrets: [DB_PASSWORD]\nservices:\n  app: { command: [true] }\n');
    const r = await runBerth(['-c', cfg], { env: env({ DB_PASSWORD: 'y', DB_PASSWORD_FILE: secretFile }) });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('DB_PASSWORD');
  });

  it('gives CMD to the main service (Docker convention)', async () => {
    const cfg = t.write('main.yaml', 'services:\n  app: { command: [false], main: true }\n  side: { command: [sleep, "30"] }\n');
    const r = await runBerth(['-c', cfg, 'sh', '-c', 'echo from CMD'], { env: env() });
    expect(r.code).toBe(0);
    expect(childLines(r.lines, 'app').map((l) => l.msg)).toEqual(['from CMD']);
  });

  it('runs a program named like a verb after --', async () => {
    const bin = join(t.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'check'), '#!/bin/sh\necho I am check\n', { mode: 0o755 });
    const r = await runBerth(['--', 'check'], { env: env({ PATH: `${bin}:${process.env.PATH}` }) });
    expect(r.code).toBe(0);
    expect(childLines(r.lines, 'check').map((l) => l.msg)).toEqual(['I am check']);
  });
});

describe('stopping', () => {
  it('stops services in reverse start order, each with its own stop signal', async () => {
    const cfg = t.write('order.yaml', [
      'services:',
      `  a: { command: [node, ${fx('signals.mjs')}] }`,
      `  b: { command: [node, ${fx('signals.mjs')}], after: [a], stopSignal: SIGTERM }`,
      `  c: { command: [node, ${fx('signals.mjs')}], after: [b] }`,
    ].join('\n'));
    const b = startBerth(['-c', cfg], { env: env() });
    await b.waitForEvent('ready');
    expect(b.events('service.start').map((l) => l.service)).toEqual(['a', 'b', 'c']);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect(b.events('service.stop').map((l) => l.service)).toEqual(['c', 'b', 'a']);
  });

  it('SIGKILLs a child that ignores SIGTERM once stopTimeout has passed, not before', async () => {
    const b = startBerth(['--stop-timeout', '500ms', '--', 'node', fx('stubborn.mjs')], { env: env() });
    await b.waitFor((l) => l.msg === 'stubborn up');
    b.kill('SIGTERM');
    await b.exited;
    const stop = Date.parse(String(b.events('service.stop')[0]!.time));
    const kill = Date.parse(String(b.events('service.kill')[0]!.time));
    expect(kill - stop).toBeGreaterThanOrEqual(450);
    expect(kill - stop).toBeLessThan(2500);
  });

  it('stops the grandchildren in the service group too', async () => {
    const b = startBerth(['--', 'sh', '-c', 'sleep 300 & echo grandchild $!; wait'], { env: env() });
    const line = await b.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('grandchild '));
    const pid = Number(String(line.msg).split(' ')[1]);
    expect(alive(pid)).toBe(true);
    b.kill('SIGTERM');
    await b.exited;
    expect(alive(pid)).toBe(false);
  });

  it('kills everything at once on a second SIGINT', async () => {
    const b = startBerth(['--stop-timeout', '60s', '--', 'node', fx('stubborn.mjs')], { env: env() });
    await b.waitFor((l) => l.msg === 'stubborn up');
    b.kill('SIGINT');
    await b.waitForEvent('service.stop');
    const t0 = Date.now();
    b.kill('SIGINT');
    const r = await b.exited;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code).toBe(137);
    expect(b.events('shutdown.forced')).toHaveLength(1);
  });

  it('exits in time on SIGTERM even when nobody reads its stdout', async () => {
    const b = startBerth(['--stop-timeout', '1s', '--', 'node', fx('flood.mjs')], { env: env() });
    b.proc.stdout!.pause(); // the pipe fills; berth must still handle the signal
    await new Promise<void>((resolve) => {
      const out = b.proc.stdout!;
      const check = () => (out.readableLength >= out.readableHighWaterMark ? resolve() : setTimeout(check, 20));
      check();
    });
    const t0 = Date.now();
    b.kill('SIGTERM');
    const r = await Promise.race([b.exited, new Promise((r) => setTimeout(r, 15_000, 'hung'))]);
    expect(r).not.toBe('hung');
    expect(Date.now() - t0).toBeLessThan(12_000);
  });
});

describe('signals', () => {
  it('forwards SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH to every service', async () => {
    const cfg = t.write('fwd.yaml', `services:\n  a: { command: [node, ${fx('signals.mjs')}] }\n  b: { command: [node, ${fx('signals.mjs')}] }\n`);
    const b = startBerth(['-c', cfg], { env: env() });
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.service === 'a' && l.msg === 'signals up');
    await b.waitFor((l) => l.service === 'b' && l.msg === 'signals up');
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) {
      b.kill(sig);
      await b.waitFor((l) => l.service === 'a' && l.msg === `got ${sig}`);
      await b.waitFor((l) => l.service === 'b' && l.msg === `got ${sig}`);
    }
    expect(b.events('signal.forwarded').map((l) => l.signal)).toEqual(['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('sends a signal during a task to the task, starts no service, and exits with its status', async () => {
    const cfg = t.write('task-sig.yaml', `tasks:\n  - { name: migrate, command: "sh -c 'echo migrating; sleep 30 & wait'" }\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const b = startBerth(['-c', cfg], { env: env() });
    await b.waitFor((l) => l.msg === 'migrating');
    b.kill('SIGTERM');
    const r = await b.exited;
    expect(r.code).toBe(143);
    expect(b.events('task.exit')[0]).toMatchObject({ task: 'migrate', signal: 'SIGTERM' });
    expect(b.events('service.start')).toHaveLength(0);
  });
});

describe('restarts', () => {
  it('backs off 1 s doubling, then gives up past maxRestarts with the service status', async () => {
    const cfg = t.write('crash.yaml', `services:\n  app: { command: "sh -c 'exit 7'", restart: on-failure, maxRestarts: 2 }\n`);
    const r = await runBerth(['-c', cfg], { env: env(), timeoutMs: 20_000 });
    expect(r.code).toBe(7);
    expect(r.events('service.restart').map((l) => l.delayMs)).toEqual([1000, 2000]);
    expect(r.events('service.start')).toHaveLength(3);
    expect(r.events('service.gave-up')).toHaveLength(1);
    const starts = r.events('service.start').map((l) => Date.parse(String(l.time)));
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(950);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(1950);
  });

  it('does not restart a clean exit under on-failure', async () => {
    const cfg = t.write('clean.yaml', `services:\n  app: { command: [true], restart: on-failure }\n`);
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(0);
    expect(r.events('service.restart')).toHaveLength(0);
  });
});
