import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnoseDaemonized, diagnoseNotReady, formatElapsed } from '../../src/readiness/diagnose.js';
import { waitReady } from '../../src/readiness/probes/index.js';
import type { Probe } from '../../src/types.js';
import { cleanup, context, startFixture, stillWaitingAfter, tempDir, waitingUntil } from '../helpers/readiness.js';
import { freePort } from '../helpers/net.js';

let leftovers: number[] = [];
afterEach(async () => {
  await cleanup(leftovers);
  leftovers = [];
});

const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);

describe('ready.timeout report', () => {
  it('names the port the service listens on while the probe waits for a socket (the php-fpm incident)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'php-fpm'), { mode: 0o755 });
    chmodSync(join(dir, 'php-fpm'), 0o755);
    const sock = join(dir, 'php-fpm', 'php-fpm.sock');
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '0.0.0.0', String(port)]);
    await svc.next((l) => l.event === 'listening', 'listening on tcp');
    const probe: Probe = { kind: 'unix', path: sock };
    const report = diagnoseNotReady({ service: 'php-fpm', probe, pid: svc.pid, lastLines: lines, waitedMs: 60_000 });
    expect(report.msg).toContain(`php-fpm not ready after 60s: unix:${sock} does not exist (directory ${join(dir, 'php-fpm')} exists, owner root, mode 0755)`);
    expect(report.msg).toContain(`node (pid ${svc.pid}) listens on tcp 0.0.0.0:${port} — the service listens on a port while the probe waits for a socket`);
    expect(report.fields.lastLines).toEqual(lines.slice(-20));
    expect(report.fields.processes).toEqual([expect.objectContaining({ pid: svc.pid, listens: [`tcp 0.0.0.0:${port}`] })]);
    expect(report.fields.probe).toBe(`unix:${sock}`);
  });

  it('says a socket file nobody listens on is stale', async () => {
    const sock = join(tempDir(), 'app.sock');
    const old = startFixture('listen.mjs', ['unix', sock]);
    await old.next((l) => l.event === 'listening', 'listening');
    old.proc.kill('SIGKILL');
    await old.exited;
    const svc = startFixture('listen.mjs', ['none']);
    await svc.next((l) => l.event === 'idle', 'idle');
    const probe: Probe = { kind: 'unix', path: sock };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(svc.pid, signal)), 100)).toBe(true);
    const { msg, fields } = diagnoseNotReady({ service: 'app', probe, pid: svc.pid, lastLines: [], waitedMs: 1500 });
    expect(msg).toMatch(new RegExp(`app not ready after 1.5s: unix:${sock} is a stale socket: the file exists \\(owner root, mode 0\\d{3}\\) but nothing listens on it`));
    expect(msg).toContain("no process in app's tree listens on any socket");
    expect(fields.target).toMatchObject({ stale: true });
  });

  it('says when the socket directory itself is missing', () => {
    const dir = tempDir();
    const sock = join(dir, 'run', 'php', 'fpm.sock');
    const { msg } = diagnoseNotReady({ service: 'fpm', probe: { kind: 'unix', path: sock }, pid: process.pid, lastLines: [], waitedMs: 500 });
    expect(msg).toContain(`unix:${sock} does not exist (directory ${join(dir, 'run', 'php')} does not exist either; the nearest that does is ${dir})`);
  });

  it('names another process tree holding the wanted port', async () => {
    const port = await freePort();
    const other = startFixture('listen.mjs', ['tcp', '127.0.0.1', String(port)]);
    await other.next((l) => l.event === 'listening', 'other listening');
    const sock = join(tempDir(), 'elsewhere.sock');
    const svc = startFixture('listen.mjs', ['unix', sock]);
    await svc.next((l) => l.event === 'listening', 'service listening on a socket');
    const probe: Probe = { kind: 'tcp', port };
    expect(await stillWaitingAfter((signal) => waitReady(probe, context(svc.pid, signal)), 200)).toBe(true);
    const { msg, fields } = diagnoseNotReady({ service: 'web', probe, pid: svc.pid, lastLines: [], waitedMs: 90_000 });
    expect(msg).toContain(`web not ready after 90s: port ${port} is held by node (pid ${other.pid}), another process tree, not web's`);
    expect(msg).toContain(`node (pid ${svc.pid}) listens on unix ${sock} — the service listens on a socket while the probe waits for a port`);
    expect(fields.target).toMatchObject({ port, listeners: [expect.objectContaining({ pid: other.pid, inTree: false })] });
  });

  it('says nothing listens when nothing does, and reports the listener in a child', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '127.0.0.1', String(await freePort()), '--via-child']);
    const child = await svc.next((l) => l.event === 'listening', 'child listening');
    const { msg, fields } = diagnoseNotReady({ service: 'api', probe: { kind: 'tcp', port }, pid: svc.pid, lastLines: [], waitedMs: 2000 });
    expect(msg).toContain(`nothing listens on port ${port}`);
    expect(msg).toContain(`node (pid ${child.pid}) listens on tcp 127.0.0.1:${child.port} — on another port than the one the probe waits for`);
    expect((fields.processes as unknown[]).length).toBe(2);
  });

  it('uses what the last attempt saw for http and exec', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['http', '127.0.0.1', String(port), '503']);
    await svc.next((l) => l.event === 'listening', 'listening');
    const http: Probe = { kind: 'http', url: `http://127.0.0.1:${port}/health` };
    const httpReport = () => diagnoseNotReady({ service: 'api', probe: http, pid: svc.pid, lastLines: [], waitedMs: 1000 }).msg;
    expect(await waitingUntil((signal) => waitReady(http, context(svc.pid, signal)), () => httpReport().endsWith('answered 503'))).toBe(true);
    expect(httpReport()).toBe(`api not ready after 1s: GET http://127.0.0.1:${port}/health answered 503`);
    const script = join(tempDir(), 'check');
    writeFileSync(script, '#!/bin/sh\necho "db: no response" >&2\nexit 2\n');
    chmodSync(script, 0o755);
    const exec: Probe = { kind: 'exec', argv: [script] };
    const execReport = () => diagnoseNotReady({ service: 'api', probe: exec, pid: svc.pid, lastLines: [], waitedMs: 1000 }).msg;
    expect(await waitingUntil((signal) => waitReady(exec, context(svc.pid, signal)), () => execReport().includes('exited with'))).toBe(true);
    expect(execReport()).toContain(`\`${script}\` exited with 2: db: no response`);
  });

  it('says when the service is gone', () => {
    const { msg } = diagnoseNotReady({ service: 'x', probe: { kind: 'file', path: '/nonexistent/flag' }, pid: 2 ** 22 + 7, lastLines: [], waitedMs: 100 });
    expect(msg).toContain('x not ready after 100ms: file:/nonexistent/flag does not exist');
    expect(msg).toContain('is no longer running');
  });
});

describe('daemonized service', () => {
  it('names what was left running and how to stay in the foreground', async () => {
    const svc = startFixture('daemonize.mjs', []);
    const line = await svc.next((l) => l.event === 'daemonized', 'daemonized');
    leftovers.push(line.child as number);
    expect(await svc.exited).toBe(0);
    const { msg, fields } = diagnoseDaemonized({ service: 'worker', pid: svc.pid, leftovers: [line.child as number] });
    expect(msg).toMatch(new RegExp(`^worker daemonized itself: its process \\(pid ${svc.pid}\\) exited 0 but left 1 process\\(es\\) running \\(${line.child} .*node -e`));
    expect(msg).toContain('remove `&` or `nohup`');
    expect(fields.leftovers).toEqual([expect.objectContaining({ pid: line.child })]);
  });

  it('gives the php-fpm and nginx fixes', () => {
    expect(diagnoseDaemonized({ service: 'php-fpm', pid: 1, leftovers: [] }).msg).toContain('`php-fpm -F`');
    expect(diagnoseDaemonized({ service: 'nginx', pid: 1, leftovers: [] }).msg).toContain("daemon off;");
  });
});

it('formats durations the way people write them', () => {
  expect([formatElapsed(250), formatElapsed(1500), formatElapsed(60_000), formatElapsed(300_000)]).toEqual(['250ms', '1.5s', '60s', '5m']);
});
