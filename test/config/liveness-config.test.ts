// `liveness:`, `drain:` and `terminationLog:` as a user writes them (CONTRACT §9): the plan they
// make, and the bad input berth refuses (78, naming the key) or warns about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBerth, tempDir } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-liveness-config-');
});
afterAll(() => t.cleanup());

async function check(yaml: string, verb: 'check' | 'plan' = 'check') {
  const file = t.write(`berth-${Math.random().toString(36).slice(2)}.yaml`, yaml);
  return runBerth([verb, '-c', file, ...(verb === 'plan' ? ['--json'] : [])], { cwd: t.dir });
}

describe('liveness in the plan', () => {
  it('defaults: the ready probe, every 10s, 2s each, 3 in a row; drain 0; the termination log path', async () => {
    const r = await check('services:\n  app:\n    command: [sleep, "1"]\n    ready: tcp:8080\n    liveness: {}\n', 'plan');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.services[0].liveness).toEqual({ intervalMs: 10_000, timeoutMs: 2000, failures: 3 });
    expect(plan.drainMs).toBe(0);
    expect(plan.terminationLog).toBe(false); // the test environment turns it off
  });

  it('as written: its own probe (any form), interval, timeout, failures; a default timeout stays under a short interval', async () => {
    const r = await check('drain: 5s\nterminationLog: ./term.log\nservices:\n  app:\n    command: [sleep, "1"]\n    liveness: { probe: { exec: [true] }, interval: 500ms, failures: 1 }\n', 'plan');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.services[0].liveness).toEqual({ probe: { kind: 'exec', argv: ['true'] }, intervalMs: 500, timeoutMs: 250, failures: 1 });
    expect(plan.drainMs).toBe(5000);
  });
});

describe('bad input', () => {
  it('a liveness block on a service with no probe at all: 78, naming the key', async () => {
    const r = await check('services:\n  app:\n    command: [sleep, "1"]\n    liveness: { interval: 1s }\n');
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/berth-\w+\.yaml:4:15 services\.app\.liveness: app has no probe to check: give liveness a probe/);
  });

  it('an interval under 100ms: 78; failures 0 and timeout 0: 78', async () => {
    const r = await check('services:\n  app:\n    command: [sleep, "1"]\n    ready: tcp:80\n    liveness: { interval: 50ms, timeout: 0, failures: 0 }\n');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('services.app.liveness.interval: 50ms is too short: a liveness check runs at most every 100ms');
    expect(r.stderr).toContain('services.app.liveness.timeout: expected a duration above 0');
    expect(r.stderr).toContain('services.app.liveness.failures: expected a whole number of 1 or more');
  });

  it('a timeout not shorter than the interval: a warning, and the config is accepted', async () => {
    const r = await check('services:\n  app:\n    command: [sleep, "1"]\n    ready: tcp:80\n    liveness: { interval: 1s, timeout: 2s }\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: app: liveness.timeout (2000ms) is not shorter than liveness.interval (1000ms)');
  });

  it('unknown keys in liveness are errors with a suggestion', async () => {
    const r = await check('services:\n  app:\n    command: [sleep, "1"]\n    ready: tcp:80\n    liveness: { intervall: 1s }\n');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('services.app.liveness.intervall: unknown key; did you mean "interval"?');
  });

  it('drain and terminationLog: a duration, and a path or false', async () => {
    const r = await check('drain: soon\nterminationLog: 3\nservices:\n  app:\n    command: [sleep, "1"]\n');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('drain: expected a duration');
  });
});
