// Running `php-fpm -tt` and `nginx -T` with their output on files. Node gives a child
// socketpairs for stdout and stderr, and open("/proc/self/fd/2") or open("/dev/stdout") on a
// socket fails (ENXIO) — yet that is exactly what the official images configure
// (error_log = /proc/self/fd/2, access_log /dev/stdout), so the test would fail for berth's
// plumbing, not for the user's config. Files behave as Docker's pipes do.
import { captureCommand, type CaptureOptions, type Captured } from '../process/capture.js';
import { takeConfigTest } from './early.js';

export type Runner = typeof captureCommand;
type RunOptions = Omit<CaptureOptions, 'files'>;

export async function runConfigTest(argv: string[], opts: RunOptions, run: Runner = captureCommand): Promise<Captured> {
  // the same test, started while the config was validated (early.ts); a failure is run again here
  const early = run === captureCommand ? takeConfigTest(argv, opts) : undefined;
  if (early) {
    const r = await early;
    if (r.exitCode === 0 && r.spawnError === undefined) return r;
    if (opts.signal?.aborted) return r;
  }
  return run(argv, { ...opts, files: true });
}
