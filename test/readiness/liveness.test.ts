// The liveness loop (src/readiness/liveness.ts) with real check commands: one check in flight
// at most, a check past its timeout killed with its process group, failures counted in a row.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchLiveness } from '../../src/readiness/liveness.js';
import { alive, tempDir } from '../helpers/berth.js';
import { waitUntil as until } from '../helpers/faults.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-liveness-loop-');
});
afterAll(() => t.cleanup());

const ctx = () => ({ pid: process.pid, cwd: t.dir, env: process.env as Record<string, string>, subscribeLines: () => () => {} });

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('watchLiveness', () => {
  it('never overlaps a check that outlives the interval, and kills each with its process group at its timeout', async () => {
    const log = join(t.dir, 'starts');
    const overlaps = join(t.dir, 'overlaps');
    // each check notes any earlier check still alive, records its pid and the pid of a child it leaves, then hangs
    const probe = { kind: 'exec' as const, argv: ['sh', '-c', `for p in $(cut -d' ' -f1 ${log} 2>/dev/null); do kill -0 $p 2>/dev/null && echo $p >> ${overlaps}; done; sleep 30 & echo "$$ $!" >> ${log}; wait`] };
    const failures: string[] = [];
    const stop = watchLiveness({ probe, intervalMs: 100, timeoutMs: 300, failures: 1000 }, ctx(), {
      onFailure: (why) => failures.push(why),
      onUnhealthy: () => {},
      onHealthy: () => {},
    });
    await until(() => failures.length >= 4, 'four failed checks');
    stop();
    const starts = lines(log).map((l) => l.split(' ').map(Number) as [number, number]);
    expect(starts.length).toBeGreaterThanOrEqual(4);
    // each check began only once the one before was killed at its 300 ms timeout
    expect(lines(overlaps)).toEqual([]);
    expect(failures[0]).toContain('did not finish within 300ms (its process group was killed)');
    // the `sleep 30` each check left behind went with it
    await until(() => starts.every(([, pid]) => !alive(pid)), 'no sleep left behind', 5000);
  });

  it('counts failures in a row: the failures-th is unhealthy and ends the watch; a pass in between resets the count', async () => {
    const flag = join(t.dir, 'ok');
    const probe = { kind: 'file' as const, path: flag };
    const events: string[] = [];
    let ended = false;
    const stop = watchLiveness({ probe, intervalMs: 100, timeoutMs: 50, failures: 3 }, ctx(), {
      onFailure: (_why, n) => {
        events.push(`fail ${n}`);
        if (n === 2 && !events.includes('healthy')) writeFileSync(flag, '');
      },
      onUnhealthy: (why, n) => {
        events.push(`unhealthy ${n}: ${why}`);
        ended = true;
      },
      onHealthy: (after) => {
        events.push('healthy');
        events.push(`after ${after}`);
        rmSync(flag);
      },
    });
    await until(() => ended, 'unhealthy');
    stop();
    expect(events).toEqual(['fail 1', 'fail 2', 'healthy', 'after 2', 'fail 1', 'fail 2', `unhealthy 3: ${flag} does not exist`]);
  });
});
