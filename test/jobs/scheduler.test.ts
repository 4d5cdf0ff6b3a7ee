import { describe, expect, it } from 'vitest';
import { Scheduler, MAX_SLEEP_MS, type Due } from '../../src/jobs/scheduler.js';
import { timingOf } from '../../src/jobs/timing.js';
import { FakeClock } from './fake-clock.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

function setup(jobs: { name: string; schedule: string | number; timezone?: string }[], startIso: string) {
  const clock = new FakeClock(Date.parse(startIso));
  const fired: Due[] = [];
  const scheduler = new Scheduler(
    jobs.map((j) => ({
      name: j.name,
      timing: timingOf({ schedule: typeof j.schedule === 'number' ? { kind: 'every', everyMs: j.schedule } : { kind: 'cron', expr: j.schedule }, timezone: j.timezone ?? 'UTC' }),
    })),
    clock,
    (d) => fired.push(d),
  );
  scheduler.start();
  return { clock, fired, scheduler };
}

describe('scheduler', () => {
  it('runs @every at each interval, counted from start', () => {
    const { clock, fired } = setup([{ name: 'tick', schedule: 1000 }], '2026-06-01T12:00:00.250Z');
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    clock.advance(2000);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T12:00:01.250Z', '2026-06-01T12:00:02.250Z', '2026-06-01T12:00:03.250Z']);
    expect(fired.every((d) => d.lateMs === 0)).toBe(true);
  });

  it('@every due times are one interval apart however long the tick takes between reading its two clocks', () => {
    // a loaded machine deschedules berth between Date.now() and performance.now(): 0 ms one tick, 4 ms the next
    const { clock, fired } = setup([{ name: 'tick', schedule: 1000 }], '2026-06-01T12:00:00.250Z');
    const wallOf = clock.now;
    let reads = 0;
    clock.now = () => {
      const w = wallOf();
      if (++reads % 3 === 0) clock.stall(4);
      return w;
    };
    clock.advance(5000);
    const due = fired.map((d) => d.dueAt);
    expect(due.length).toBeGreaterThanOrEqual(4);
    expect(due.slice(1).map((d, i) => d - due[i]!)).toEqual(due.slice(1).map(() => 1000));
  });

  it('runs a cron job at its time, once', () => {
    const { clock, fired } = setup([{ name: 'm', schedule: '*/5 * * * *' }], '2026-06-01T12:03:30Z');
    clock.advance(90_000 - 1);
    expect(fired).toEqual([]);
    clock.advance(1);
    clock.advance(4 * MIN);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T12:05:00.000Z']);
    clock.advance(MIN);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T12:05:00.000Z', '2026-06-01T12:10:00.000Z']);
  });

  it('never sleeps longer than a second, so a jump is seen at once', () => {
    const { clock } = setup([{ name: 'y', schedule: '@yearly' }], '2026-06-01T12:00:00Z');
    expect(clock.pending).toBe(1);
    clock.advance(MAX_SLEEP_MS);
    expect(clock.pending).toBe(1);
  });

  it('a wall clock jumping forward past many due times runs the job once, late, then on time', () => {
    const { clock, fired } = setup([{ name: 'hourly', schedule: '0 * * * *' }], '2026-06-01T12:30:00Z');
    clock.jumpWall(5 * HOUR); // resumed from suspend at 17:30: 13:00 … 17:00 were missed
    clock.advance(MAX_SLEEP_MS);
    expect(fired).toHaveLength(1);
    expect(iso(fired[0]!.dueAt)).toBe('2026-06-01T13:00:00.000Z');
    expect(fired[0]!.lateMs).toBeGreaterThan(4 * HOUR);
    clock.advance(29 * MIN);
    expect(fired).toHaveLength(1);
    clock.advance(MIN);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T13:00:00.000Z', '2026-06-01T18:00:00.000Z']);
  });

  it('a wall clock set back never runs a time twice', () => {
    const { clock, fired } = setup([{ name: 'hourly', schedule: '0 * * * *' }], '2026-06-01T12:59:59Z');
    clock.advance(1000);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T13:00:00.000Z']);
    clock.advance(30_000);
    clock.jumpWall(-10 * MIN); // NTP steps back to 12:50:31
    clock.advance(20 * MIN); // past 13:00 again
    expect(fired).toHaveLength(1);
    clock.advance(HOUR);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T13:00:00.000Z', '2026-06-01T14:00:00.000Z']);
  });

  it('@every ignores the wall clock: neither a jump forward nor back changes it', () => {
    const { clock, fired } = setup([{ name: 'tick', schedule: 10_000 }], '2026-06-01T12:00:00Z');
    clock.advance(5000);
    clock.jumpWall(3 * HOUR);
    clock.advance(5000);
    clock.jumpWall(-5 * HOUR);
    clock.advance(10_000);
    expect(fired).toHaveLength(2);
    expect(fired.every((d) => d.lateMs === 0)).toBe(true);
  });

  it('@every after a blocked event loop runs once, not once per missed interval', () => {
    const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
    const fired: Due[] = [];
    const s = new Scheduler([{ name: 'tick', timing: { kind: 'every', everyMs: 1000 } }], clock, (d) => fired.push(d));
    s.start();
    clock.stall(10_000); // the loop was blocked for 10 s: the timer fires that late
    clock.advance(0);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.lateMs).toBe(9000);
    clock.advance(1000);
    expect(fired).toHaveLength(2);
  });

  it('runs once through the hour skipped and the hour repeated by DST (Europe/Berlin)', () => {
    const spring = setup([{ name: 'd', schedule: '30 2 * * *', timezone: 'Europe/Berlin' }], '2026-03-28T23:00:00Z');
    spring.clock.advance(24 * HOUR);
    expect(spring.fired.map((d) => iso(d.dueAt))).toEqual(['2026-03-29T01:00:00.000Z']);
    const autumn = setup([{ name: 'd', schedule: '30 2 * * *', timezone: 'Europe/Berlin' }], '2026-10-24T22:00:00Z');
    autumn.clock.advance(24 * HOUR);
    expect(autumn.fired.map((d) => iso(d.dueAt))).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('reads a cron schedule in the job’s time zone (America/New_York)', () => {
    const { clock, fired, scheduler } = setup([{ name: 'nine', schedule: '0 9 * * *', timezone: 'America/New_York' }], '2026-01-15T12:00:00Z');
    expect(iso(scheduler.nextRun('nine')!)).toBe('2026-01-15T14:00:00.000Z');
    clock.advance(2 * HOUR);
    expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-01-15T14:00:00.000Z']);
  });

  it('stops: no timer left and no further run', () => {
    const { clock, fired, scheduler } = setup([{ name: 'tick', schedule: 1000 }], '2026-06-01T12:00:00Z');
    scheduler.stop();
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    expect(fired).toEqual([]);
    expect(scheduler.nextRun('tick')).toBeUndefined();
  });

  describe('add and remove while running (a reload)', () => {
    it('an added job is reckoned from when it is added; the others keep their times', () => {
      const { clock, fired, scheduler } = setup([{ name: 'old', schedule: 10_000 }], '2026-06-01T12:00:00Z');
      clock.advance(4000);
      scheduler.add('new', { kind: 'every', everyMs: 3000 });
      expect(iso(scheduler.nextRun('new')!)).toBe('2026-06-01T12:00:07.000Z');
      expect(iso(scheduler.nextRun('old')!)).toBe('2026-06-01T12:00:10.000Z');
      clock.advance(6000);
      expect(fired.map((d) => `${d.name} ${iso(d.dueAt)}`)).toEqual(['new 2026-06-01T12:00:07.000Z', 'old 2026-06-01T12:00:10.000Z', 'new 2026-06-01T12:00:10.000Z']);
    });

    it('an added cron job runs at its first time after it was added', () => {
      const { clock, fired, scheduler } = setup([], '2026-06-01T12:03:00Z');
      expect(clock.pending).toBe(0); // no job: no timer
      scheduler.add('m', timingOf({ schedule: { kind: 'cron', expr: '*/5 * * * *' }, timezone: 'UTC' }));
      expect(clock.pending).toBe(1);
      clock.advance(2 * MIN);
      expect(fired.map((d) => `${d.name} ${iso(d.dueAt)}`)).toEqual(['m 2026-06-01T12:05:00.000Z']);
    });

    it('a removed job runs no more; the others keep their times; the last one removed leaves no timer', () => {
      const { clock, fired, scheduler } = setup([{ name: 'a', schedule: 1000 }, { name: 'b', schedule: 1500 }], '2026-06-01T12:00:00Z');
      clock.advance(1000);
      scheduler.remove('a');
      expect(scheduler.nextRun('a')).toBeUndefined();
      clock.advance(2000);
      expect(fired.map((d) => `${d.name} ${iso(d.dueAt)}`)).toEqual(['a 2026-06-01T12:00:01.000Z', 'b 2026-06-01T12:00:01.500Z', 'b 2026-06-01T12:00:03.000Z']);
      scheduler.remove('b');
      expect(clock.pending).toBe(0);
      clock.advance(10_000);
      expect(fired).toHaveLength(3);
    });

    it('adding a job of the same name replaces it: the new schedule from now, never the old one', () => {
      const { clock, fired, scheduler } = setup([{ name: 'j', schedule: 1000 }], '2026-06-01T12:00:00Z');
      clock.advance(1500);
      scheduler.add('j', { kind: 'every', everyMs: 5000 });
      clock.advance(5000);
      expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T12:00:01.000Z', '2026-06-01T12:00:06.500Z']);
    });

    it('added before start: scheduled from start, like the first jobs', () => {
      const clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
      const fired: Due[] = [];
      const s = new Scheduler([], clock, (d) => fired.push(d));
      s.add('j', { kind: 'every', everyMs: 1000 });
      expect(clock.pending).toBe(0);
      clock.advance(5000);
      s.start();
      clock.advance(1000);
      expect(fired.map((d) => iso(d.dueAt))).toEqual(['2026-06-01T12:00:06.000Z']);
    });
  });
});
