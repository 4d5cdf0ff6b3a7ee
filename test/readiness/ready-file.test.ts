import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/os/proc.js';
import { checkHealth, removeReadyFile, writeReadyFile, type ReadyFile } from '../../src/readiness/ready-file.js';
import { defaultReadyFile } from '../../src/plan/defaults.js';
import { cleanup, startFixture, tempDir } from '../helpers/readiness.js';

afterEach(() => cleanup());

const me = (): ReadyFile => ({
  pid: process.pid,
  startTime: processStartTime(process.pid)!,
  readyAt: Date.now(),
  services: { app: { pid: 12, readyAt: Date.now() } },
});

describe('writeReadyFile', () => {
  it('creates the directory 0755 and the file 0644, replacing it by rename', () => {
    const path = join(tempDir(), 'run', 'berth', 'ready');
    const old = process.umask(0o077); // a strict umask must not make the file unreadable to a healthcheck user
    try {
      expect(writeReadyFile(path, me())).toEqual({ ok: true });
    } finally {
      process.umask(old);
    }
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o755);
    expect(statSync(join(path, '../..')).mode & 0o777).toBe(0o755);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const first = statSync(path).ino;
    const content = { ...me(), services: { a: { pid: 1, readyAt: 1 }, b: { pid: 2, readyAt: 2 } } };
    expect(writeReadyFile(path, content)).toEqual({ ok: true });
    expect(statSync(path).ino).not.toBe(first); // a new file renamed over the old: readers never see half a file
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(content);
    expect(readdirSync(join(path, '..'))).toEqual(['ready']); // no temp file left
  });

  it('returns an error value, and leaves nothing behind, when it cannot write', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const r = writeReadyFile(join(dir, 'file', 'ready'), me());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/cannot write ready file/);
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('refuses a directory anyone may write to without the sticky bit', () => {
    const dir = join(tempDir(), 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = writeReadyFile(join(dir, 'ready'), me());
    expect(!r.ok && r.error).toMatch(/anyone may replace files/);
  });

  it('removeReadyFile is fine with a missing file', () => {
    const path = join(tempDir(), 'ready');
    expect(removeReadyFile(path)).toEqual({ ok: true });
    writeReadyFile(path, me());
    expect(removeReadyFile(path)).toEqual({ ok: true });
    expect(existsSync(path)).toBe(false);
  });
});

describe('checkHealth', () => {
  it('passes for a file naming this live process with its start time', () => {
    const path = join(tempDir(), 'ready');
    writeReadyFile(path, me());
    const r = checkHealth(path);
    expect(r).toEqual({ ok: true, reason: expect.stringContaining(`berth pid ${process.pid}`) });
    expect(r.reason).toContain('1 service(s) (app)');
  });

  it('fails without a file, with garbage, or without a pid', () => {
    const dir = tempDir();
    expect(checkHealth(join(dir, 'none'))).toEqual({ ok: false, reason: `not ready: no ready file at ${join(dir, 'none')}` });
    writeFileSync(join(dir, 'bad'), '{"pid":');
    expect(checkHealth(join(dir, 'bad')).reason).toMatch(/not valid JSON/);
    writeFileSync(join(dir, 'empty'), '{}');
    expect(checkHealth(join(dir, 'empty')).reason).toMatch(/does not hold a pid/);
  });

  it('fails for a file left by a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    await new Promise((r) => gone.on('exit', r));
    const path = join(tempDir(), 'ready');
    writeReadyFile(path, { ...me(), pid });
    const r = checkHealth(path);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain(`pid ${pid}`);
    expect(r.reason).toMatch(/is not running|zombie/);
  });

  it('fails for a live process that started at another time (the pid was reused)', async () => {
    const other = startFixture('listen.mjs', ['none']);
    await other.next((l) => l.event === 'idle', 'idle');
    const started = processStartTime(other.pid)!;
    expect(started).toBeGreaterThan(Date.now() - 60_000);
    const path = join(tempDir(), 'ready');
    writeReadyFile(path, { ...me(), pid: other.pid, startTime: started - 5000 });
    const r = checkHealth(path);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/another process now has that pid/);
    writeReadyFile(path, { ...me(), pid: other.pid, startTime: started });
    expect(checkHealth(path).reason).toMatch(/not berth/); // the right start time, but not a berth process
  });
});

it('defaultReadyFile: /run/berth for root, a per-user dir in /tmp otherwise', () => {
  expect(defaultReadyFile(0)).toBe('/run/berth/ready');
  expect(defaultReadyFile(1000)).toBe('/tmp/berth-1000/ready');
});
