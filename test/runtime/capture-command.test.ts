// captureCommand: the helper commands berth runs and reads (php-fpm -tt, nginx -T, exec probes).
// Real processes; on files, a program can open /dev/stdout and /proc/self/fd/2 as it can on
// Docker's pipes (libuv's socketpairs refuse that open).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureCommand } from '../../src/process/capture.js';

describe('captureCommand', () => {
  let tmp: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TMPDIR;
    tmp = mkdtempSync(join(tmpdir(), 'berth-capture-test-'));
    process.env.TMPDIR = tmp; // os.tmpdir(): where the output files go
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('on files: output written through /dev/stdout and /proc/self/fd/2 is captured, in order, and the files are gone after', async () => {
    const script = 'echo one; echo out >>/dev/stdout; echo err >>/proc/self/fd/2; echo more >&2; exit 3';
    const r = await captureCommand(['/bin/sh', '-c', script], { files: true });
    expect(r).toEqual({ exitCode: 3, signal: undefined, stdout: 'one\nout\n', stderr: 'err\nmore\n' });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('on files: they have no name while the command runs, so nothing is left in the temp dir however berth ends', async () => {
    const r = await captureCommand(['/bin/sh', '-c', 'echo "[$(ls -A "$DIR")]"; echo written >&2; ls -l /proc/self/fd/2'], { files: true, env: { DIR: tmp, PATH: process.env.PATH ?? '' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('[]'); // the temp dir, listed while it runs: empty
    expect(r.stdout).toMatch(/ \(deleted\)$/m); // the file its stderr goes to
    expect(r.stderr).toBe('written\n');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('on pipes: stdout and stderr, the exit code, the env given and the cwd', async () => {
    const r = await captureCommand(['/bin/sh', '-c', 'echo "$GREETING"; pwd; echo oops >&2'], { env: { GREETING: 'hi' }, cwd: tmp });
    expect(r).toEqual({ exitCode: 0, signal: undefined, stdout: `hi\n${tmp}\n`, stderr: 'oops\n' });
  });

  it('a program that is not there: spawnError ENOENT', async () => {
    for (const files of [false, true]) {
      const r = await captureCommand([join(tmp, 'no-such-program')], { files });
      expect(r.spawnError).toBe('ENOENT');
      expect(r.exitCode).toBeUndefined();
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('ended by a signal: the signal, no code', async () => {
    const r = await captureCommand(['/bin/sh', '-c', 'kill -KILL $$'], { files: true });
    expect(r).toMatchObject({ exitCode: undefined, signal: 'SIGKILL' });
  });

  it('timeoutMs ends the command with SIGTERM; an abort (its result no longer wanted) with SIGKILL', async () => {
    const began = Date.now();
    const timedOut = await captureCommand(['sleep', '30'], { timeoutMs: 50 });
    expect(timedOut).toMatchObject({ exitCode: undefined, signal: 'SIGTERM' });
    const abort = new AbortController();
    const running = captureCommand(['sleep', '30'], { signal: abort.signal, files: true });
    abort.abort();
    expect(await running).toMatchObject({ exitCode: undefined, signal: 'SIGKILL' });
    expect(Date.now() - began).toBeLessThan(5000); // neither waited for SIGKILL
  });
});
