// CONTRACT §3 step 7 as pure policy, on a fake clock: minUptime, maxRestarts (unlimited too),
// the backoff, and what giving up exits with.
import { describe, expect, it } from 'vitest';
import { decideRestart, gaveUpStatus, keepHistory, type RunEnd } from '../../src/lifecycle/restart.js';

const base: RunEnd = { policy: 'always', status: 1, maxRestarts: 5, minUptimeMs: 10_000, ranMs: 50, history: [], now: 1_000_000 };

/** n short runs in a row, each ending when the last restart's delay is over */
function crashLoop(over: Partial<RunEnd>, n: number) {
  let history: number[] = [];
  let now = 1_000_000;
  const out = [];
  for (let i = 0; i < n; i++) {
    const d = decideRestart({ ...base, ...over, history, now });
    out.push(d);
    history = keepHistory(history, d, now);
    if (!d.restart) break;
    now += d.delayMs + 50;
  }
  return out;
}

describe('decideRestart', () => {
  it('backs off 1 s doubling while runs are short, and gives up past maxRestarts', () => {
    const ds = crashLoop({ maxRestarts: 3 }, 10);
    expect(ds.map((d) => (d.restart ? d.delayMs : d.reason))).toEqual([1000, 2000, 4000, 'gave-up']);
  });

  it('a run of minUptime or more restarts at once, is not counted, and the backoff starts over', () => {
    let history = keepHistory([], decideRestart(base), 0);
    history = keepHistory(history, decideRestart({ ...base, history, now: 1_000 }), 1_000);
    expect(history).toHaveLength(2);
    const good = decideRestart({ ...base, status: 0, ranMs: 10_000, history, now: 12_000 });
    expect(good).toEqual({ restart: true, delayMs: 0, attempt: 1, counted: false });
    history = keepHistory(history, good, 12_000);
    expect(history).toEqual([]);
    expect(decideRestart({ ...base, history, now: 12_100 })).toMatchObject({ delayMs: 1000, counted: true });
  });

  it('queue workers that exit 0 after minUptime never give up, even with maxRestarts: 0', () => {
    const ds = crashLoop({ status: 0, ranMs: 10_000, maxRestarts: 0 }, 100);
    expect(ds).toHaveLength(100);
    expect(ds.every((d) => d.restart && d.delayMs === 0)).toBe(true);
  });

  it('maxRestarts: unlimited never gives up; the delay stays at 30 s at most', () => {
    const ds = crashLoop({ maxRestarts: 'unlimited' }, 40);
    expect(ds).toHaveLength(40);
    expect(ds.every((d) => d.restart)).toBe(true);
    expect(Math.max(...ds.map((d) => (d.restart ? d.delayMs : 0)))).toBe(30_000);
  });

  it('never and on-failure-after-0 are the policy, not giving up', () => {
    expect(decideRestart({ ...base, policy: 'never' })).toEqual({ restart: false, reason: 'policy' });
    expect(decideRestart({ ...base, policy: 'on-failure', status: 0, ranMs: 60_000 })).toEqual({ restart: false, reason: 'policy' });
  });

  it('giving up never exits 0: the last failure, or 75', () => {
    expect(gaveUpStatus(undefined)).toBe(75);
    expect(gaveUpStatus(3)).toBe(3);
  });
});
