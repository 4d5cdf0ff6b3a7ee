// ready.waiting (issue 2/7, item 6): while a probe waits, the service says what it sees every
// READY_WAITING_MS (10 s) — the facts of ready.timeout, shorter — so a wrong socket is not
// silent for the whole readyTimeout. A real process, a real probe; the interval shortened.
import { afterEach, expect, it } from 'vitest';
import { Service, READY_WAITING_MS } from '../../src/lifecycle/service.js';
import { spawnChild } from '../../src/process/child.js';
import type { Runner } from '../../src/lifecycle/runner.js';
import type { ServicePlan } from '../../src/types.js';
import { service } from '../fixtures/presets/example.js';
import { freePort } from '../helpers/net.js';

type Event = Record<string, unknown> & { event: string; msg: string };
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

function runnerFor(events: Event[]): Runner {
  const push = (event: string, fields: Record<string, unknown>, msg: string) => void events.push({ event, ...fields, msg });
  return {
    log: { trace() {}, debug() {}, info: push, warn: push, error: push },
    spawn: (p) => spawnChild({ argv: p.argv, cwd: p.cwd, env: p.env }),
    relayOutput: async (_name, child) => {
      child.stdout?.resume();
      child.stderr?.resume();
      await child.exited;
    },
    lastLines: () => [],
    delay: (ms) => new Promise((r) => setTimeout(r, ms, true)),
    adopted: () => [],
  };
}

it('says every interval what the probe waits for and what the service listens on instead', async () => {
  expect(READY_WAITING_MS).toBe(10_000);
  const [listening, wanted] = [await freePort(), await freePort()];
  const plan: ServicePlan = service({
    name: 'php-fpm',
    // it takes a moment to listen, as a real service does (and as node did on a slow start): the first reports see no listener
    argv: [process.execPath, '-e', `setTimeout(() => require('net').createServer().listen(${listening}, '127.0.0.1'), 400)`],
    ready: { kind: 'tcp', host: '127.0.0.1', port: wanted },
    readyTimeoutMs: 0,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 2_000,
  });
  const events: Event[] = [];
  const svc = new Service(plan, runnerFor(events), { onReady() {}, onNotReady() {}, onChange() {}, onFinal() {} }, { readyWaitingMs: 150 });
  stops.push(() => svc.stop(Date.now() + 2_000));
  svc.start();
  const deadline = Date.now() + 15_000;
  // "listens on tcp …" exactly: before the child listens (Node 24 starts slower) the line says "no process … listens on any socket"
  const instead = `listens on tcp 127.0.0.1:${listening} — on another port than the one the probe waits for`;
  while (events.filter((e) => e.event === 'ready.waiting' && e.msg.includes(instead)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const waiting = events.filter((e) => e.event === 'ready.waiting');
  expect(waiting.length).toBeGreaterThanOrEqual(2);
  const last = waiting.at(-1)!;
  expect(last.msg).toMatch(/^php-fpm not ready yet after \d+(\.\d+)?m?s: /);
  expect(last.msg).toContain(instead);
  expect(last).toMatchObject({ service: 'php-fpm', probe: `tcp:127.0.0.1:${wanted}` });
  expect(last).not.toHaveProperty('lastLines');
  expect(events.filter((e) => e.event === 'service.ready')).toEqual([]);
  await svc.stop(Date.now() + 2_000);
  const after = events.filter((e) => e.event === 'ready.waiting').length;
  await new Promise((r) => setTimeout(r, 400)); // a stopped service says nothing more
  expect(events.filter((e) => e.event === 'ready.waiting').length).toBe(after);
});
