// CONTRACT §9's termination report, for each way berth ends: exit status, cause, last lines,
// masked, at most 4 KiB, written without following a link; shutdown.done carries the cause.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBerth, tempDir } from '../helpers/berth.js';
import { places } from '../helpers/e2e-readiness.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-termination-');
});
afterAll(() => t.cleanup());
const place = places(() => t.dir);
const node = (js: string) => [process.execPath, '-e', js];

/** berth with this config to its end; the report from terminationLog in the config */
async function end(config: Record<string, unknown>, opts: { env?: Record<string, string | undefined>; signalAfterReady?: NodeJS.Signals } = {}) {
  const p = place();
  const report = p.at('termination-log');
  const file = p.config({ readyFile: p.readyFile, terminationLog: report, ...config });
  const r = await runBerth(['-c', file], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined, ...opts.env }, timeoutMs: 30_000 });
  return { ...r, report: () => readFileSync(report, 'utf8'), done: r.events('shutdown.done').at(-1), p };
}

describe('the termination report, for each way berth ends', () => {
  it('a service exits by itself: its code, and its last lines', async () => {
    const r = await end({ services: { app: { command: node("console.log('connecting to db'); console.error('fatal: db refused'); process.exit(3)") } } });
    expect(r.code).toBe(3);
    expect(r.report()).toBe('berth exited with 3: service app exited with code 3\nlast lines of app:\nconnecting to db\nfatal: db refused\n');
    expect(r.done).toMatchObject({ status: 3, cause: 'exited', service: 'app', code: 3 });
  });

  it('a service killed by a signal', async () => {
    const r = await end({ services: { app: { command: node("process.kill(process.pid, 'SIGSEGV')") } } });
    expect(r.code).toBe(139);
    expect(r.report()).toMatch(/^berth exited with 139: service app killed by SIGSEGV\n/);
    expect(r.done).toMatchObject({ cause: 'exited', service: 'app', signal: 'SIGSEGV' });
  });

  it('not ready in time', async () => {
    // sh prints at once: its line is in before the deadline however loaded the machine
    const r = await end({ services: { app: { command: ['sh', '-c', 'echo warming up; exec sleep 60'], ready: 'tcp:1', readyTimeout: '1500ms' } } });
    expect(r.code).toBe(69);
    expect(r.report()).toBe('berth exited with 69: service app not ready after 1.5s\nlast lines of app:\nwarming up\n');
    expect(r.done).toMatchObject({ status: 69, cause: 'ready-timeout', service: 'app' });
  });

  it('a task fails', async () => {
    const r = await end({ tasks: [{ name: 'migrate', command: node("console.error('relation users already exists'); process.exit(2)") }], services: { app: { command: node('0') } } });
    expect(r.code).toBe(2);
    expect(r.report()).toBe('berth exited with 2: task migrate failed: exited with code 2\nlast lines of migrate:\nrelation users already exists\n');
    expect(r.done).toMatchObject({ status: 2, cause: 'task-failed', task: 'migrate' });
  });

  it('a signal', async () => {
    const p = place();
    const report = p.at('termination-log');
    const { startBerth } = await import('../helpers/berth.js');
    const b = startBerth(['-c', p.config({ readyFile: p.readyFile, terminationLog: report, services: { app: { command: node('setInterval(() => {}, 1000)') } } })], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined } });
    await b.waitForEvent('ready');
    b.kill('SIGINT');
    expect((await b.exited).code).toBe(0);
    expect(readFileSync(report, 'utf8')).toBe('berth exited with 0: signal SIGINT\n');
    expect(b.events('shutdown.done')[0]).toMatchObject({ cause: 'signal', signal: 'SIGINT' });
  });

  it('gave up restarting', async () => {
    const r = await end({ services: { app: { command: node("console.log('boom'); process.exit(1)"), restart: 'on-failure', maxRestarts: 1 } } });
    expect(r.code).toBe(1);
    expect(r.report()).toMatch(/^berth exited with 1: service app kept failing; berth gave up restarting it \(last run exited with code 1\)\nlast lines of app:\n(boom\n)+$/);
    expect(r.done).toMatchObject({ cause: 'gave-up', service: 'app' });
  });
});

describe('what the report holds', () => {
  it('secrets masked, at most 4 KiB with the cause whole and the newest lines kept', async () => {
    const p = place();
    const secretFile = p.at('pw');
    writeFileSync(secretFile, 'hunter2-secret-value\n');
    const js = "for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'x'.repeat(60)); console.log('password is ' + process.env.DB_PASSWORD); process.exit(5)";
    const r = await end({ secrets: ['DB_PASSWORD'], services: { app: { command: node(js) } } }, { env: { DB_PASSWORD_FILE: secretFile } });
    expect(r.code).toBe(5);
    const text = r.report();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text).not.toContain('hunter2');
    expect(text.startsWith('berth exited with 5: service app exited with code 5\nlast lines of app:\n')).toBe(true);
    expect(text.endsWith('password is ***\n')).toBe(true);
  });

  it('never follows a link at its path: the link is replaced by the report, its target untouched', async () => {
    const p = place();
    mkdirSync(p.at('elsewhere'));
    const victim = p.at('elsewhere/victim');
    writeFileSync(victim, 'untouched\n');
    const link = p.at('termination-log');
    symlinkSync(victim, link);
    const r = await runBerth(['-c', p.config({ readyFile: p.readyFile, terminationLog: link, services: { app: { command: node('process.exit(4)') } } })], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined } });
    expect(r.code).toBe(4);
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toBe('berth exited with 4: service app exited with code 4\n');
  });

  it("a directory another user may write is refused, with a warning; berth's status is unchanged", async () => {
    const p = place();
    const open = p.at('open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const r = await runBerth(['-c', p.config({ readyFile: p.readyFile, terminationLog: `${open}/report`, services: { app: { command: node('process.exit(4)') } } })], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined } });
    expect(r.code).toBe(4);
    expect(existsSync(`${open}/report`)).toBe(false);
    expect(r.events('termination.log')[0]).toMatchObject({ level: 'warn', path: `${open}/report` });
  });

  it("the kubelet's bind-mounted file (a rename onto it fails): written in place", async () => {
    const p = place();
    const host = p.at('host-side-file'); // what the kubelet reads after the container ends
    writeFileSync(host, '');
    const inContainer = p.at('termination-log');
    writeFileSync(inContainer, '');
    const wrap = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', host, inContainer];
    const r = await runBerth(['-c', p.config({ readyFile: p.readyFile, terminationLog: inContainer, services: { app: { command: node("console.log('bye'); process.exit(6)") } } })], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: undefined }, wrap });
    expect(r.code, r.stderr).toBe(6);
    expect(readFileSync(host, 'utf8')).toBe('berth exited with 6: service app exited with code 6\nlast lines of app:\nbye\n');
  });

  it('terminationLog: false writes nothing; BERTH_TERMINATION_LOG chooses the path over the file', async () => {
    const r = await end({ terminationLog: false, services: { app: { command: node('process.exit(0)') } } });
    expect(r.code).toBe(0);
    expect(() => r.report()).toThrow(/ENOENT/);
    const p = place();
    const chosen = p.at('from-env');
    const e = await runBerth(['-c', p.config({ readyFile: p.readyFile, terminationLog: p.at('from-file'), services: { app: { command: node('process.exit(0)') } } })], { cwd: p.dir, env: { BERTH_TERMINATION_LOG: chosen } });
    expect(e.code).toBe(0);
    expect(readFileSync(chosen, 'utf8')).toBe('berth exited with 0: service app exited with code 0\n');
  });
});
