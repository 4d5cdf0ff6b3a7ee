// Before and after readiness, through the real berth binary: `waitFor` holds everything back
// until an external resource is up (or exits 69 naming it), and a service that daemonizes
// itself is called out with the fix (CONTRACT §3 step 3, §5).
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, tempDir } from '../helpers/berth.js';
import { DAEMONIZE, processes, svc, timeOf } from '../helpers/e2e-readiness.js';
import { exitOf } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-e2e-wait-');
});
afterAll(() => t.cleanup());
const procs = processes();
const leftovers: number[] = [];
afterEach(async () => {
  await procs.stopAll();
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('waitFor', () => {
  it('--wait-for tcp://…: berth waits for a port that opens later, then starts', async () => {
    const port = await freePort();
    const b = procs.berth(['--ready-file', join(t.dir, 'ready-wait'), '--wait-for', `tcp://127.0.0.1:${port}`, '--', ...svc('none')]);
    await b.waitForEvent('config.loaded');
    // the port opens a second after berth is up: its own pace, not a sleep of the test's
    const db = procs.helper(svc('tcp', '127.0.0.1', port, '--delay', 1000));
    const listening = await db.line((l) => l.event === 'listening', 'the port to open');
    const start = await b.waitForEvent('service.start', {}, 30_000);
    const done = b.events('wait.done')[0]!;
    expect(done.resources).toEqual([`tcp:127.0.0.1:${port}`]);
    expect(b.lines.indexOf(done)).toBeLessThan(b.lines.indexOf(start));
    expect(timeOf(done)).toBeGreaterThanOrEqual(Number(listening.before));
    expect(timeOf(start)).toBeGreaterThanOrEqual(Number(listening.before));
    await b.waitForEvent('ready');
  });

  it('a port that never opens, with waitTimeout: 1s: exit 69 naming it, nothing started', async () => {
    const port = await freePort();
    const config = join(t.dir, 'wait-never.json');
    writeFileSync(config, JSON.stringify({ readyFile: join(t.dir, 'ready-never'), waitFor: [`tcp://127.0.0.1:${port}`], waitTimeout: '1s', services: { app: { command: svc('none') } } }));
    const began = Date.now();
    const b = procs.berth(['-c', config]);
    expect((await exitOf(b)).code).toBe(69);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    const timeout = b.events('wait.timeout')[0]!;
    expect(timeout.pending).toEqual([`tcp:127.0.0.1:${port}`]);
    expect(String(timeout.msg)).toContain(`127.0.0.1:${port}`);
    expect(String(timeout.msg)).toContain('nothing started');
    expect(b.events('service.start')).toEqual([]);
    expect(b.events('ready')).toEqual([]);
  });
});

describe('a service that daemonizes itself', () => {
  const daemonChild = (lines: Array<Record<string, unknown>>) => {
    const line = lines.find((l) => l.event === 'daemonized' && typeof l.child === 'number');
    if (line) leftovers.push(line.child as number);
    return line?.child as number | undefined;
  };

  it('exits 0 leaving a child: berth says it daemonized itself, with the fix, and ends what it left', async () => {
    const b = procs.berth(['--ready-file', join(t.dir, 'ready-daemon'), '--', process.execPath, DAEMONIZE]);
    const said = await b.waitForEvent('service.daemonized', {}, 30_000);
    const child = daemonChild(b.lines);
    expect(child).toBeDefined();
    const msg = String(said.msg);
    expect(msg).toContain('node daemonized itself');
    expect(msg).toContain(`pid ${b.events('service.start')[0]!.pid}`);
    expect(msg).toContain(`left 1 process(es) running (${child} `);
    expect(msg).toContain('run the program in the foreground');
    expect(said.leftovers).toEqual([expect.objectContaining({ pid: child })]);
    expect((await exitOf(b)).code).toBe(0);
    expect(alive(child!)).toBe(false); // ended at shutdown, not left running
  });

  it('names the php-fpm fix for a php-fpm service', async () => {
    const config = join(t.dir, 'daemon-fpm.json');
    writeFileSync(config, JSON.stringify({ readyFile: join(t.dir, 'ready-fpm'), services: { 'php-fpm': { command: [process.execPath, DAEMONIZE] } } }));
    const b = procs.berth(['-c', config]);
    const said = await b.waitForEvent('service.daemonized', {}, 30_000);
    daemonChild(b.lines);
    expect(String(said.msg)).toContain('php-fpm daemonized itself');
    expect(String(said.fix)).toContain('php-fpm -F');
    await exitOf(b);
  });
});
