// CONTRACT §3 step 1: `docker exec app berth status` (supervisorctl's habit) starts a second
// berth. When the ready file or the control socket belongs to a live berth it refuses at once
// (78, pointing at `berth ctl`) and touches nothing: the first berth stays healthy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { alive, runBerth, startBerth, tempDir } from '../helpers/berth.js';
import { berthAnswering } from '../../src/control/answering.js';
import { processStartTime } from '../../src/os/proc.js';
import { until } from '../helpers/faults.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => (t = tempDir('berth-second-')));
afterAll(() => t.cleanup());
let n = 0;

describe('a second berth beside a live one', () => {
  it('refuses with 78 and a `berth ctl` hint, leaves the ready file alone, and the first stays healthy', async () => {
    const ready = join(t.dir, `ready-${++n}`);
    const first = startBerth(['--ready-file', ready, '--', 'sleep', '60']);
    await first.waitForEvent('ready');
    const before = { text: readFileSync(ready, 'utf8'), ino: statSync(ready).ino, mtime: statSync(ready).mtimeMs };

    const second = await runBerth(['--ready-file', ready, '--', 'status']);
    expect(second.code).toBe(78);
    const refused = second.events('start.refused');
    expect(refused).toEqual([expect.objectContaining({ pid: first.pid, path: ready })]);
    expect(String(refused[0]!.msg)).toContain(`berth pid ${first.pid} is already running here`);
    expect(String(refused[0]!.msg)).toContain('did you mean `berth ctl status`?');
    expect(second.events('service.start')).toEqual([]);
    expect(second.events('preflight.failed')).toEqual([]); // refused before anything else

    expect({ text: readFileSync(ready, 'utf8'), ino: statSync(ready).ino, mtime: statSync(ready).mtimeMs }).toEqual(before);
    expect((await runBerth(['health', '--ready-file', ready])).code).toBe(0);
    expect(alive(first.pid)).toBe(true);
    expect(first.events('service.exit')).toEqual([]);
    first.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });

  it('while the first is still starting (no ready file yet), its control socket tells: 78, and its socket still answers', async () => {
    const control = join(t.dir, `ctl-${++n}`, 'control.sock');
    const first = startBerth(['--ready', `file:${join(t.dir, 'never')}`, '--ready-timeout', '0', '--', 'sleep', '60'], { env: { BERTH_CONTROL: control } });
    await first.waitForEvent('service.start');
    await until(() => statSync(control, { throwIfNoEntry: false })?.isSocket() === true, 10_000, 'the control socket');
    const second = await runBerth(['--', 'restart', 'app'], { env: { BERTH_CONTROL: control } });
    expect(second.code).toBe(78);
    const refused = second.events('start.refused')[0]!;
    expect(refused).toMatchObject({ pid: first.pid, path: control });
    expect(String(refused.msg)).toContain('did you mean `berth ctl restart app`?');
    expect(await berthAnswering(control)).toEqual({ answering: true, pid: first.pid });
    first.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });

  it('a ready file left by a berth that is gone is replaced: the new berth starts', async () => {
    const ready = join(t.dir, `ready-${++n}`);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(ready, JSON.stringify({ pid: gone, startTime: 1_700_000_000_000, readyAt: 1_700_000_000_001, services: {} }));
    const b = startBerth(['--ready-file', ready, '--', 'sleep', '60']);
    await b.waitForEvent('ready');
    expect(JSON.parse(readFileSync(ready, 'utf8')).pid).toBe(b.pid);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('a ready file naming a live process that is not berth (a forged or recycled pid) is replaced', async () => {
    const ready = join(t.dir, `ready-${++n}`);
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(ready, JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!), readyAt: Date.now(), services: {} }));
      const b = startBerth(['--ready-file', ready, '--', 'sleep', '60']);
      await b.waitForEvent('ready');
      expect(JSON.parse(readFileSync(ready, 'utf8')).pid).toBe(b.pid);
      b.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('berthAnswering: is a berth answering at this control socket?', () => {
  it('a listener that answers a ping as berth does: answering, with its pid', async () => {
    const path = join(t.dir, `control-${++n}.sock`);
    const server = createServer((c) => c.once('data', () => c.end(`${JSON.stringify({ v: 1, ok: true, pid: 4242, version: 'x' })}\n`)));
    await new Promise<void>((r) => server.listen(path, r));
    try {
      expect(await berthAnswering(path)).toEqual({ answering: true, pid: 4242 });
    } finally {
      server.close();
    }
  });

  it('a silent listener still counts (not ours to replace), within the deadline', async () => {
    const path = join(t.dir, `control-${++n}.sock`);
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const t0 = Date.now();
      expect(await berthAnswering(path, 300)).toEqual({ answering: true });
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      server.close();
    }
  });

  it('a socket left by a process that was killed: not answering (refused); a missing path or a plain file: not answering', async () => {
    const path = join(t.dir, `control-${++n}.sock`);
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => holder.stdout!.once('data', r));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(statSync(path).isSocket()).toBe(true);
    expect(await berthAnswering(path)).toEqual({ answering: false, why: 'refused' });
    expect(await berthAnswering(join(t.dir, 'nothing.sock'))).toEqual({ answering: false, why: 'missing' });
    expect(await berthAnswering(t.write(`plain-${++n}`, 'x'))).toEqual({ answering: false, why: 'not-a-socket' });
  });
});
