// Bad input for replicas and jobs: what a user sees, with file:line:col of the key.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { buildPlan } from '../../src/plan/index.js';
import { parseSchedule } from '../../src/config/schedule.js';

function load(text: string, env: Record<string, string> = {}) {
  const dir = scratchDir('berth-jobs-');
  writeFileSync(path.join(dir, 'berth.yaml'), text);
  return { dir, loaded: () => loadConfig(path.join(dir, 'berth.yaml'), env, { cwd: dir }) };
}

function problemsOf(text: string): string[] {
  const { dir, loaded } = load(text);
  try {
    loaded();
  } catch (e) {
    if (e instanceof ConfigError) return e.format(dir).split('\n');
    throw e;
  }
  throw new Error('the config was accepted');
}

const job = (schedule: string, more = '') => `jobs:\n  sched:\n    command: [php, artisan, schedule:run]\n    schedule: "${schedule}"\n${more}`;
const FIELD = 'expected *, a number';

describe('schedule and job config errors', () => {
  const table: [string, string, string][] = [
    ['minute out of range', job('61 * * * *'), `berth.yaml:4:15 jobs.sched.schedule: minute (field 1): "61" is out of range; ${FIELD} 0-59, a range a-b, a list a,b or a step */n`],
    ['hour out of range', job('0 24 * * *'), `berth.yaml:4:15 jobs.sched.schedule: hour (field 2): "24" is out of range; ${FIELD} 0-23, a range a-b, a list a,b or a step */n`],
    ['day of month 0', job('0 0 0 * *'), `berth.yaml:4:15 jobs.sched.schedule: day of month (field 3): "0" is out of range; ${FIELD} 1-31, a range a-b, a list a,b or a step */n`],
    ['a month name that is not one', job('0 0 1 JANUARY *'), `berth.yaml:4:15 jobs.sched.schedule: month (field 4): "JANUARY" is out of range; ${FIELD} 1-12 or JAN-DEC, a range a-b, a list a,b or a step */n`],
    ['day of week 8', job('0 0 * * 1-8'), `berth.yaml:4:15 jobs.sched.schedule: day of week (field 5): "1-8" is out of range at "8"; ${FIELD} 0-7 or SUN-SAT, a range a-b, a list a,b or a step */n`],
    ['a step of 0', job('*/0 * * * *'), `berth.yaml:4:15 jobs.sched.schedule: minute (field 1): "*/0" has a step that is not a whole number of 1 or more; ${FIELD} 0-59, a range a-b, a list a,b or a step */n`],
    ['a backwards range', job('0 5-1 * * *'), `berth.yaml:4:15 jobs.sched.schedule: hour (field 2): "5-1" runs backwards; ${FIELD} 0-23, a range a-b, a list a,b or a step */n`],
    ['six fields (seconds)', job('0 * * * * *'), 'berth.yaml:4:15 jobs.sched.schedule: 6 fields in "0 * * * * *"; expected 5 fields (minute hour day-of-month month day-of-week), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or "@every DURATION"'],
    ['@every too short', job('@every 10ms'), 'berth.yaml:4:15 jobs.sched.schedule: @every: "10ms" is not a duration of 1s or more; expected a duration like 30s, 5m or 1h ("@every 30s")'],
    ['@every without a duration', job('@every'), 'berth.yaml:4:15 jobs.sched.schedule: @every: the duration is missing; expected a duration like 30s, 5m or 1h ("@every 30s")'],
    ['an unknown nickname', job('@reboot'), 'berth.yaml:4:15 jobs.sched.schedule: unknown schedule "@reboot"; expected 5 fields (minute hour day-of-month month day-of-week), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or "@every DURATION"'],
    ['no schedule', 'jobs:\n  sched:\n    command: [true]', 'berth.yaml:3:5 jobs.sched.schedule: missing; expected 5 fields (minute hour day-of-month month day-of-week), @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or "@every DURATION"'],
    ['an unknown time zone', job('@hourly', '    timezone: Europe/Berln\n'), 'berth.yaml:5:15 jobs.sched.timezone: unknown time zone "Europe/Berln"; expected a name from the tz database like Europe/Berlin, America/New_York or UTC'],
    ['an unknown overlap', job('@hourly', '    overlap: queue\n'), 'berth.yaml:5:14 jobs.sched.overlap: expected one of skip, allow or replace, got "queue"'],
    ['a task key on a job', job('@hourly', '    retries: 3\n'), 'berth.yaml:5:5 jobs.sched.retries: unknown key here; retries is a task setting (tasks[N].retries), is the indentation right?'],
    ['replicas 0', 'services:\n  queue:\n    command: [sleep, "1"]\n    replicas: 0', 'berth.yaml:4:15 services.queue.replicas: expected a whole number from 1 to 64, got 0'],
    ['replicas 65', 'services:\n  queue:\n    command: [sleep, "1"]\n    replicas: 65', 'berth.yaml:4:15 services.queue.replicas: expected a whole number from 1 to 64, got 65'],
    ['replicas not a number', 'services:\n  queue:\n    command: [sleep, "1"]\n    replicas: many', 'berth.yaml:4:15 services.queue.replicas: expected a whole number from 1 to 64, got "many"'],
    ['a job named like a service', 'services:\n  queue:\n    command: [sleep, "1"]\njobs:\n  queue:\n    command: [true]\n    schedule: "@hourly"', 'berth.yaml:6:5 jobs.queue: "queue" is already the name of a service; a job needs a name of its own'],
    ['a job named like a task', 'tasks:\n  - name: migrate\n    command: [true]\njobs:\n  migrate:\n    command: [true]\n    schedule: "@hourly"', 'berth.yaml:6:5 jobs.migrate: "migrate" is already the name of tasks[0]; a job needs a name of its own'],
    ['a replica probe with no port for replica 6', 'services:\n  web:\n    command: [sleep, "1"]\n    replicas: 7\n    ready: tcp:6553{replica}', 'berth.yaml:5:12 services.web.ready: replica 6: expected tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535, got "tcp:65536"'],
  ];
  it.each(table)('%s', (_name, text, want) => {
    expect(problemsOf(text)).toEqual([want]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf('services:\n  q:\n    command: [x]\n    replicas: 100\njobs:\n  a:\n    command: [x]\n    schedule: "* * * *"\n    timezone: Nowhere/City');
    expect(problems).toHaveLength(3);
  });
});

describe('schedules accepted', () => {
  it.each(['* * * * *', '*/5 * * * *', '0 9 * * MON-FRI', '30 2 1,15 * *', '0 0 L * *', '0 0 * * 5#2', '0 0 1 JAN *', '@hourly', '@DAILY', '@midnight', '@every 30s', '@every 1h30m'])('%s', (s) => {
    expect(parseSchedule(s).ok).toBe(true);
  });
});

describe('the plan', () => {
  const text = 'services:\n  queue:\n    command: [sleep, "1"]\n    replicas: 3\n    ready: "unix:run/q{replica}.sock"\njobs:\n  sched:\n    command: "php artisan schedule:run"\n    schedule: "* * * * *"\n  tick:\n    command: [true]\n    schedule: "@every 90s"\n    timezone: Asia/Tokyo\n    overlap: replace\n    timeout: 10s\n';

  it('has each job with its defaults, in $TZ unless it says', () => {
    const { dir, loaded } = load(text);
    const plan = buildPlan(loaded(), { baseDir: dir, env: { TZ: 'Europe/Berlin', PATH: '/usr/bin:/bin' } });
    expect(plan.services[0]!.replicas).toBe(3);
    expect(plan.jobs!.map((j) => [j.name, j.argv, j.scheduleText, j.timezone, j.overlap, j.timeoutMs])).toEqual([
      ['sched', ['php', 'artisan', 'schedule:run'], '* * * * *', 'Europe/Berlin', 'skip', undefined],
      ['tick', ['true'], '@every 90s', 'Asia/Tokyo', 'replace', 10_000],
    ]);
  });

  it('reads schedules in UTC when $TZ is unset or not a zone name', () => {
    const { dir, loaded } = load(text);
    for (const TZ of [undefined, ':/etc/localtime', 'CET-1CEST']) {
      const plan = buildPlan(loaded(), { baseDir: dir, env: { TZ } });
      expect(plan.jobs![0]!.timezone).toBe('UTC');
    }
  });

  it('has no jobs key when the config has none (and croner is not loaded for it)', () => {
    const { dir, loaded } = load('services:\n  a:\n    command: [sleep, "1"]\n');
    expect(buildPlan(loaded(), { baseDir: dir, env: {} }).jobs).toBeUndefined();
  });
});
