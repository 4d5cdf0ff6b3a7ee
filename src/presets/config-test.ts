// Running `php-fpm -tt` and `nginx -T` with their output on files. Node gives a child
// socketpairs for stdout and stderr, and open("/proc/self/fd/2") or open("/dev/stdout") on a
// socket fails (ENXIO) — yet that is exactly what the official images configure
// (error_log = /proc/self/fd/2, access_log /dev/stdout), so the test would fail for berth's
// plumbing, not for the user's config. Files behave as Docker's pipes do.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCommand, type Captured } from '../child.js';

export type Runner = typeof captureCommand;
type RunOptions = Parameters<Runner>[1];

// appended, not truncated: php-fpm reopens /proc/self/fd/2 with O_APPEND and would overwrite
const REDIRECT = 'exec "$@" >>"$0/stdout" 2>>"$0/stderr"';

export async function runConfigTest(argv: string[], opts: RunOptions, run: Runner = captureCommand): Promise<Captured> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'berth-preset-'));
  } catch {
    return run(argv, opts);
  }
  try {
    const r = await run(['/bin/sh', '-c', REDIRECT, dir, ...argv], opts);
    if (r.spawnError) return run(argv, opts); // no /bin/sh in the image
    return { ...r, stdout: read(join(dir, 'stdout')), stderr: read(join(dir, 'stderr')) + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
