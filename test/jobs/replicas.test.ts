// replicas: N with the real berth and real processes: one process group each, BERTH_REPLICA,
// {replica} in a probe, service + replica on every line, ready when all are, stopped together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, runBerth, startBerth, tempDir, type Line } from '../helpers/berth.js';
import { processStat } from '../../src/os/proc.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
function setup(yaml: (dir: string) => string) {
  const t = tempDir('berth-replicas-');
  dirs.push(t);
  const cfg = t.write('berth.yaml', yaml(t.dir));
  return { dir: t.dir, args: ['-c', cfg, '--ready-file', join(t.dir, 'ready')] };
}
const starts = (lines: Line[]) => lines.filter((l) => l.event === 'service.start');

describe('replicas', () => {
  it('runs N processes, each its own group with BERTH_REPLICA, probed as {replica}, ready when all are', async () => {
    const { dir, args } = setup((d) => `services:
  work:
    replicas: 3
    shell: true
    command: 'echo "I am $BERTH_REPLICA"; sleep 0.$((4 - BERTH_REPLICA)); touch ${d}/up-$BERTH_REPLICA; exec sleep 60'
    ready: file:${d}/up-{replica}
`);
    const b = startBerth(args);
    const ready = await b.waitForEvent('ready');
    expect(starts(b.lines).map((l) => [l.service, l.replica])).toEqual([['work', 1], ['work', 2], ['work', 3]]);
    const pids = starts(b.lines).map((l) => Number(l.pid));
    expect(new Set(pids).size).toBe(3);
    for (const pid of pids) expect(processStat(pid)?.pgrp).toBe(pid); // each leads its own group
    // each became ready on its own probe, and berth said ready only after the last
    const readies = b.events('service.ready');
    expect(readies.map((l) => l.replica).sort()).toEqual([1, 2, 3]);
    expect(b.lines.indexOf(ready)).toBeGreaterThan(Math.max(...readies.map((l) => b.lines.indexOf(l))));
    expect(ready.services).toEqual(['work:1', 'work:2', 'work:3']);
    const file = JSON.parse(readFileSync(join(dir, 'ready'), 'utf8')) as { services: Record<string, { pid: number }> };
    expect(Object.keys(file.services)).toEqual(['work:1', 'work:2', 'work:3']);
    // child lines: service and replica, as fields
    const said = b.lines.filter((l) => l.stream === 'stdout').map((l) => [l.service, l.replica, l.msg]);
    expect(said.sort()).toEqual([['work', 1, 'I am 1'], ['work', 2, 'I am 2'], ['work', 3, 'I am 3']]);

    b.kill('SIGTERM');
    const { code } = await b.exited;
    expect(code).toBe(0);
    // stopped at the same time: every replica was told before the first had ended
    const stops = b.events('service.stop');
    const firstExit = b.lines.findIndex((l) => l.event === 'service.exit');
    expect(stops.map((l) => l.replica).sort()).toEqual([1, 2, 3]);
    expect(stops.every((l) => b.lines.indexOf(l) < firstExit)).toBe(true);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('a service that comes after a replicated one waits for every replica', async () => {
    const { args } = setup((d) => `services:
  work:
    replicas: 2
    shell: true
    command: 'sleep 0.$((BERTH_REPLICA * 3)); touch ${d}/w-$BERTH_REPLICA; exec sleep 60'
    ready: file:${d}/w-{replica}
  web:
    command: [sleep, "60"]
    after: [work]
`);
    const b = startBerth(args);
    await b.waitForEvent('ready');
    const order = b.lines.filter((l) => l.event === 'service.ready' || l.event === 'service.start').map((l) => `${l.event}:${l.service}${l.replica ? `:${l.replica}` : ''}`);
    expect(order.indexOf('service.start:web')).toBeGreaterThan(order.indexOf('service.ready:work:2'));
    expect(order.indexOf('service.start:web')).toBeGreaterThan(order.indexOf('service.ready:work:1'));
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('one replica that keeps crashing gives up on the service as a whole', async () => {
    const { args } = setup(() => `services:
  work:
    replicas: 2
    restart: on-failure
    maxRestarts: 1
    shell: true
    command: 'if [ "$BERTH_REPLICA" = 2 ]; then exit 3; fi; exec sleep 60'
`);
    const r = await runBerth(args, { timeoutMs: 30_000 });
    expect(r.code).toBe(3);
    expect(r.events('service.gave-up')).toEqual([expect.objectContaining({ service: 'work', replica: 2, status: 3 })]);
    expect(r.events('service.restart').every((l) => l.replica === 2)).toBe(true);
    // replica 1 did not outlive it
    const one = r.events('service.start').find((l) => l.replica === 1)!;
    expect(alive(Number(one.pid))).toBe(false);
  });

  it('pretty output names the replica: work:2 |', async () => {
    const { args } = setup(() => `log: { format: pretty }
services:
  work:
    replicas: 2
    shell: true
    command: 'echo "hello from $BERTH_REPLICA"'
`);
    const r = await runBerth(args);
    expect(r.stdout).toMatch(/^work:1 \| hello from 1$/m);
    expect(r.stdout).toMatch(/^work:2 \| hello from 2$/m);
  });
});
