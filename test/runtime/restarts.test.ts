// CONTRACT §3 step 7 with real processes: a queue worker that exits 0 after its jobs is
// restarted at once and never counted; giving up never exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runBerth, startBerth, tempDir } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => (t = tempDir('berth-restarts-')));
afterAll(() => t.cleanup());
let n = 0;
const config = (body: string) => t.write(`restarts-${++n}.yaml`, body);

describe('minUptime', () => {
  it('a worker that ran minUptime and exited 0 restarts at once, not counted: maxRestarts 1 never runs out', async () => {
    const cfg = config(`services:\n  worker: { command: "sh -c 'sleep 0.3; exit 0'", restart: always, minUptime: 200ms, maxRestarts: 1 }\n`);
    const b = startBerth(['-c', cfg]);
    await b.waitFor(() => b.events('service.restart').length >= 4, 20_000, 'four restarts');
    const restarts = b.events('service.restart').slice(0, 4);
    expect(restarts.map((l) => l.delayMs)).toEqual([0, 0, 0, 0]);
    for (const r of restarts) expect(r.ranMs).toBeGreaterThanOrEqual(200);
    expect(b.events('service.gave-up')).toEqual([]);
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('runs shorter than minUptime back off and count', async () => {
    const cfg = config(`services:\n  worker: { command: [true], restart: always, minUptime: 10s, maxRestarts: 1 }\n`);
    const r = await runBerth(['-c', cfg], { timeoutMs: 20_000 });
    expect(r.events('service.restart').map((l) => l.delayMs)).toEqual([1000]);
    expect(r.events('service.gave-up')).toHaveLength(1);
  });
});

describe('giving up never exits 0', () => {
  it('every run ended 0: berth exits 75, so Docker restart: on-failure restarts the container', async () => {
    const cfg = config(`services:\n  worker: { command: [true], restart: always, maxRestarts: 1 }\n`);
    const r = await runBerth(['-c', cfg], { timeoutMs: 20_000 });
    expect(r.code).toBe(75);
    expect(r.events('service.gave-up')).toEqual([expect.objectContaining({ service: 'worker', status: 75 })]);
    expect(r.events('shutdown.done')[0]).toMatchObject({ status: 75 });
  });

  it('the first run failed with 3, the later ones ended 0: berth exits 3', async () => {
    const flag = join(t.dir, `ran-${++n}`);
    const cfg = config(`services:\n  worker: { command: "sh -c 'if [ -e ${flag} ]; then exit 0; fi; touch ${flag}; exit 3'", restart: always, maxRestarts: 2 }\n`);
    const r = await runBerth(['-c', cfg], { timeoutMs: 20_000 });
    expect(r.events('service.exit').map((l) => l.status)).toEqual([3, 0, 0]);
    expect(r.code).toBe(3);
  });

  it('maxRestarts: unlimited is accepted and shown by berth plan', async () => {
    const cfg = config(`services:\n  worker: { command: [true], restart: always, maxRestarts: unlimited, minUptime: 30s }\n`);
    const r = await runBerth(['plan', '-c', cfg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('restart   always, never giving up; a run of 30s or more restarts at once, not counted');
  });
});
