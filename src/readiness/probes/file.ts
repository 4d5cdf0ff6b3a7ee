// file:/path — ready when the file exists; inotify tells us, a slow poll double-checks.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Probe } from '../../types.js';
import type { ProbeContext } from './context.js';
import { retryUntilReady } from './retry.js';
import { watchNearest } from './watch.js';

export function waitFile(probe: Extract<Probe, { kind: 'file' }>, ctx: ProbeContext): Promise<void> {
  const path = resolve(ctx.cwd, probe.path);
  return retryUntilReady(() => (existsSync(path) ? 'ready' : 'absent'), {
    signal: ctx.signal,
    wakeOn: (wake) => watchNearest(path, wake),
  });
}
