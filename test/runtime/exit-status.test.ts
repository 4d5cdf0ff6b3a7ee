// Every row of CONTRACT §4, with a real berth and real children.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runBerth, startBerth, tempDir } from '../helpers/berth.js';

const fx = (name: string) => join(FIXTURES, 'runtime', name);
let t: ReturnType<typeof tempDir>;
let readyFile: string;
beforeAll(() => {
  t = tempDir();
  readyFile = join(t.dir, 'ready');
});
afterAll(() => t.cleanup());
const env = () => ({ BERTH_READY_FILE: readyFile });

describe('exit status (CONTRACT §4)', () => {
  it('is 0 after a signal when every service stops within its timeout', async () => {
    const b = startBerth(['--', 'node', fx('signals.mjs')], { env: env() });
    await b.waitForEvent('ready');
    b.kill('SIGTERM');
    const r = await b.exited;
    expect(r.code).toBe(0);
    expect(b.events('shutdown.done')[0]).toMatchObject({ status: 0 });
  });

  it("is the service's own code when it ends by itself", async () => {
    const r = await runBerth(['--', 'sh', '-c', 'exit 3'], { env: env() });
    expect(r.code).toBe(3);
    expect(r.events('service.exit')[0]).toMatchObject({ service: 'sh', code: 3, status: 3 });
  });

  it('is 128+signal when the service is killed by a signal', async () => {
    const r = await runBerth(['--', 'sh', '-c', 'kill -USR1 $$'], { env: env() });
    expect(r.code).toBe(128 + 10);
    expect(r.events('service.exit')[0]).toMatchObject({ signal: 'SIGUSR1', status: 138 });
  });

  it('is 137 when a service had to be SIGKILLed at shutdown', async () => {
    const b = startBerth(['--stop-timeout', '300ms', '--', 'node', fx('stubborn.mjs')], { env: env() });
    await b.waitFor((l) => l.msg === 'stubborn up');
    b.kill('SIGTERM');
    const r = await b.exited;
    expect(r.code).toBe(137);
    expect(b.events('service.kill')).toHaveLength(1);
  });

  it('is 124 when a task times out, and no service starts', async () => {
    const cfg = t.write('timeout.yaml', `tasks:\n  - name: slow\n    command: [sleep, "30"]\n    timeout: 200ms\nservices:\n  app: { command: [sleep, "30"] }\n`);
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(124);
    expect(r.events('task.exit')[0]).toMatchObject({ task: 'slow', status: 124, timedOut: true });
    expect(r.events('service.start')).toHaveLength(0);
  });

  it('is 127 when the command is not found, and says which PATH was searched', async () => {
    const r = await runBerth(['--', 'no-such-program-xyz'], { env: env() });
    expect(r.code).toBe(127);
    const failed = r.events('preflight.failed')[0]!;
    expect(failed.msg).toContain('command "no-such-program-xyz" not found on PATH=');
    expect(r.events('service.start')).toHaveLength(0);
  });

  it('is 126 when the command is not executable', async () => {
    const script = t.write('not-exec.sh', '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const r = await runBerth(['--', script], { env: env() });
    expect(r.code).toBe(126);
    expect(r.events('preflight.failed')[0]!.msg).toContain('is not executable');
  });

  it('is 126 when the command is a directory', async () => {
    const dir = join(t.dir, 'a-dir');
    mkdirSync(dir, { recursive: true });
    const r = await runBerth(['--', dir], { env: env() });
    expect(r.code).toBe(126);
    expect(r.events('preflight.failed')[0]!.msg).toContain('is a directory');
  });

  it('is 69 when a service is not ready in time', async () => {
    const r = await runBerth(['--ready', 'tcp:1', '--ready-timeout', '300ms', '--', 'sleep', '30'], { env: env() });
    expect(r.code).toBe(69);
    expect(r.events('ready.timeout')[0]).toMatchObject({ service: 'sleep' });
  });

  it('is 64 for a usage error, with the reason on stderr', async () => {
    const r = await runBerth(['--stop-timeout'], { env: env() });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('berth: option --stop-timeout needs a value');
  });

  it('is 78 for a config error, with file:line:col and no stack trace', async () => {
    const cfg = t.write('bad.yaml', 'services:\n  app:\n    command: [sleep, "1"]\n    readyTimout: 5s\n');
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/bad\.yaml:4:5 services\.app\.readyTimout: unknown key; did you mean "readyTimeout"\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('is 78 for a preflight error, reporting every problem at once', async () => {
    const cfg = t.write('pre.yaml', `services:\n  a: { command: [no-such-a], cwd: ${t.dir}/missing }\n  b: { command: [no-such-b] }\n  c: { command: [sleep, "1"], user: no-such-user }\n`);
    const r = await runBerth(['-c', cfg], { env: env() });
    expect(r.code).toBe(78);
    const msg = String(r.events('preflight.failed')[0]!.msg);
    expect(msg).toContain(`cwd ${t.dir}/missing does not exist`);
    expect(msg).toContain('command "no-such-b" not found');
    expect(msg).toContain('user "no-such-user" does not exist');
  });
});
