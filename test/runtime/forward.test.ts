// Per-service `forward:`: which of SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH reach it. A worker
// with no HUP handler must survive nginx's reload signal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { alive, FIXTURES, startBerth, tempDir, type Line } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => (t = tempDir('berth-forward-')));
afterAll(() => t.cleanup());
const fx = (name: string) => join(FIXTURES, 'faults', name);
const pidOf = (b: { events(e: string): Line[] }, service: string) => Number(b.events('service.start').find((l) => l.service === service)!.pid);

it('forward: [] keeps every forwarded signal away; forward: [SIGHUP] lets only SIGHUP through', async () => {
  const cfg = t.write('forward.yaml', [
    'services:',
    '  worker: { command: [sleep, "60"], forward: [] }', // SIGHUP would kill sleep
    `  reloader: { command: [node, ${fx('counter.mjs')}], forward: [HUP] }`,
    `  all: { command: [node, ${fx('counter.mjs')}] }`,
  ].join('\n'));
  const b = startBerth(['-c', cfg]);
  await b.waitFor((l) => l.service === 'reloader' && String(l.msg).startsWith('counter pid'));
  await b.waitFor((l) => l.service === 'all' && String(l.msg).startsWith('counter pid'));
  b.kill('SIGHUP');
  const hup = await b.waitForEvent('signal.forwarded', { signal: 'SIGHUP' });
  expect(hup.to).toEqual(['reloader', 'all']);
  b.kill('SIGUSR1');
  const usr1 = await b.waitForEvent('signal.forwarded', { signal: 'SIGUSR1' });
  expect(usr1.to).toEqual(['all']);
  await b.waitFor((l) => l.service === 'all' && l.msg === 'first SIGUSR1');
  await b.waitFor((l) => l.service === 'reloader' && l.msg === 'first SIGHUP');
  expect(alive(pidOf(b, 'worker'))).toBe(true);
  expect(b.events('service.exit')).toEqual([]);
  b.kill('SIGTERM');
  expect((await b.exited).code).toBe(0);
  const counts = (s: string) => b.lines.find((l) => l.service === s && l.msg === 'counts')!.counts;
  expect(counts('reloader')).toEqual({ SIGHUP: 1, SIGUSR1: 0, SIGUSR2: 0, SIGWINCH: 0 });
  expect(counts('all')).toEqual({ SIGHUP: 1, SIGUSR1: 1, SIGUSR2: 0, SIGWINCH: 0 });
});
