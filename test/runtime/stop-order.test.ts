// CONTRACT §3 step 8 with real processes: reverse dependency order as a graph (independent
// services stop at the same time, each with its own stopTimeout), SIGCONT with the stop
// signal, and `berth check`'s warning when a chain of stopTimeouts exceeds shutdownTimeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runBerth, startBerth, tempDir, type Line } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => (t = tempDir('berth-stop-order-')));
afterAll(() => t.cleanup());
let n = 0;
const config = (body: string) => t.write(`stop-${++n}.yaml`, body);
const slowStop = (ms: number) => `[node, ${join(FIXTURES, 'faults/slow-stop.mjs')}, "${ms}"]`;
const timeOf = (l: Line) => Date.parse(String(l.time));
const eventOf = (b: { events(e: string): Line[] }, event: string, service: string) => b.events(event).find((l) => l.service === service)!;
const processState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];

describe('stop order', () => {
  it('services with no order between them stop at the same time; one stops only after what comes after it', async () => {
    // written order a, b, c: the old sequential stop took c, b, a one after another (4.5 s)
    const cfg = config([
      'shutdownTimeout: 9s',
      'services:',
      `  a: { command: ${slowStop(1500)} }`,
      `  b: { command: ${slowStop(1500)}, after: [a] }`,
      `  c: { command: ${slowStop(1500)} }`,
    ].join('\n'));
    const b = startBerth(['-c', cfg]);
    await b.waitForEvent('ready');
    for (const s of ['a', 'b', 'c']) await b.waitFor((l) => l.service === s && String(l.msg).startsWith('slow-stop pid'));
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    const [stopA, stopB, stopC] = ['a', 'b', 'c'].map((s) => timeOf(eventOf(b, 'service.stop', s)));
    const exitB = timeOf(eventOf(b, 'service.exit', 'b'));
    expect(Math.abs(stopB! - stopC!)).toBeLessThan(300); // together, not one after the other
    expect(stopA!).toBeGreaterThanOrEqual(exitB); // a waits for b, which comes after it
    expect(b.lines.indexOf(eventOf(b, 'service.exit', 'b'))).toBeLessThan(b.lines.indexOf(eventOf(b, 'service.stop', 'a')));
    expect(b.events('service.kill')).toEqual([]);
    expect(b.events('shutdown.done')[0]!.durationMs).toBeLessThan(4500);
  });

  it('a service stopped with SIGSTOP still stops gracefully: SIGCONT goes with its stop signal', async () => {
    const cfg = config(`services:\n  app: { command: ${slowStop(0)}, stopTimeout: 4s }\n`);
    const b = startBerth(['-c', cfg]);
    const line = await b.waitFor((l) => l.service === 'app' && String(l.msg).startsWith('slow-stop pid'));
    const pid = Number(/pid (\d+)/.exec(String(line.msg))![1]);
    process.kill(pid, 'SIGSTOP');
    await b.waitFor(() => processState(pid) === 'T', 5_000, 'the service to be stopped').catch(() => undefined);
    expect(processState(pid)).toBe('T');
    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect(b.events('service.kill')).toEqual([]);
    expect(eventOf(b, 'service.exit', 'app')).toMatchObject({ code: 0, killed: false });
    expect(b.lines.some((l) => l.service === 'app' && l.msg === 'draining')).toBe(true);
  });
});

describe('berth check', () => {
  it('warns when the longest chain of stopTimeouts exceeds shutdownTimeout, naming the chain', async () => {
    const cfg = config([
      'shutdownTimeout: 9s',
      'services:',
      '  php-fpm: { command: [sleep, "1"], stopTimeout: 5s }',
      '  nginx: { command: [sleep, "1"], stopTimeout: 5s, after: [php-fpm] }',
      '  worker: { command: [sleep, "1"], stopTimeout: 8s }',
    ].join('\n'));
    const r = await runBerth(['check', '-c', cfg]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: shutdownTimeout: stopping nginx (5s) → php-fpm (5s), one after another, can take 10s, more than shutdownTimeout 9s: php-fpm may be SIGKILLed before its stopTimeout');
  });

  it('no warning when every chain fits, however many services stop side by side', async () => {
    const cfg = config([
      'shutdownTimeout: 9s',
      'services:',
      '  php-fpm: { command: [sleep, "1"], stopTimeout: 5s }',
      '  nginx: { command: [sleep, "1"], stopTimeout: 4s, after: [php-fpm] }',
      '  worker: { command: [sleep, "1"], stopTimeout: 8s }',
      '  scheduler: { command: [sleep, "1"], stopTimeout: 8s }',
    ].join('\n'));
    const r = await runBerth(['check', '-c', cfg]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
