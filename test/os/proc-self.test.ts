// What berth reads about itself and other processes from /proc, checked against what the
// system's own tools say: the page size and stack limit behind the E2BIG check, the
// capabilities behind "can berth become this user", another process's working directory.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cwdOf, ownCapabilities, pageSize, stackLimit } from '../../src/os/proc.js';
import { argLimits } from '../../src/preflight/spawnable.js';

const sh = (script: string) => spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).stdout.trim();

describe('os/proc: berth itself', () => {
  it('the page size is getconf PAGESIZE; one argument may take 32 pages', () => {
    expect(pageSize()).toBe(Number(sh('getconf PAGESIZE')));
    expect(argLimits().perString).toBe(32 * Number(sh('getconf PAGESIZE')));
  });

  it('the stack limit is ulimit -s, in bytes, or "unlimited"', () => {
    const s = sh('ulimit -s');
    expect(stackLimit()).toBe(s === 'unlimited' ? 'unlimited' : Number(s) * 1024);
  });

  it('the effective capabilities are those of /proc/self/status (all of CAP_SETUID and CAP_SETGID as root)', () => {
    const caps = ownCapabilities();
    expect(caps).toBeDefined();
    if (process.getuid?.() === 0) expect((caps! >> 6n) & 3n).toBe(3n);
  });
});

describe('os/proc: another process', () => {
  it('its working directory, and undefined once it is gone', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'berth-cwd-')));
    try {
      const child = spawn('sleep', ['30'], { cwd: dir, stdio: 'ignore' });
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(cwdOf(child.pid!)).toBe(dir);
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
      expect(cwdOf(child.pid!)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
