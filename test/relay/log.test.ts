import { describe, expect, it } from 'vitest';
import { createLogger, wantsColor } from '../../src/output/log.js';
import { createSink } from '../../src/output/sink/index.js';
import type { LogFormat, LogLevel } from '../../src/types.js';
import { Collector } from '../helpers/relay.js';

const T = Date.UTC(2026, 10, 22, 10, 0, 0, 0);

function setup(format: LogFormat, level: LogLevel = 'info', color = false) {
  const out = new Collector();
  const err = new Collector();
  const sink = createSink({ stdout: out, stderr: err });
  const log = createLogger({ format, level, sink, color, clock: () => T });
  return { out, err, log };
}

function localClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

describe('createLogger', () => {
  it('json: level, time, event first, msg last; no pid or hostname', async () => {
    const { out, log } = setup('json');
    log.info('service.ready', { service: 'php-fpm', pid: 12 }, 'php-fpm is ready');
    await log.flush(1000);
    expect(out.lines()).toEqual([
      '{"level":"info","time":"2026-11-22T10:00:00.000Z","event":"service.ready","service":"php-fpm","pid":12,"msg":"php-fpm is ready"}',
    ]);
  });

  it('a field cannot forge level, time, msg or event', async () => {
    const { out, log } = setup('json');
    log.warn('service.exit', { event: 'ready', level: 'info', time: 1, msg: 'forged', code: 1 }, 'exited');
    await log.flush(1000);
    const [line] = out.lines();
    expect(Object.keys(JSON.parse(line!))).toEqual(['level', 'time', 'event', 'code', 'msg']);
    expect(JSON.parse(line!)).toEqual({ level: 'warn', time: '2026-11-22T10:00:00.000Z', event: 'service.exit', code: 1, msg: 'exited' });
  });

  it('an event never carries `stream`, the mark of a child line: it is renamed stdio', async () => {
    const { out, log } = setup('json');
    log.info('service.exit', { service: 'app', stream: 'stdout' }, 'x');
    await log.flush(1000);
    expect(out.records()[0]).toEqual({ level: 'info', time: '2026-11-22T10:00:00.000Z', event: 'service.exit', service: 'app', stdio: 'stdout', msg: 'x' });
  });

  it('masks secret values that reach an event anyway (a secret interpolated into argv)', async () => {
    const out = new Collector();
    const sink = createSink({ stdout: out, stderr: new Collector() });
    const log = createLogger({ format: 'json', level: 'info', sink, clock: () => T, secretValues: ['pa"ss'] });
    log.info('service.start', { argv: ['app', '--password=pa"ss'] }, 'starting');
    await log.flush(1000);
    expect(out.records()[0]!.argv).toEqual(['app', '--password=***']);
  });

  it('filters by level', async () => {
    const { out, log } = setup('json', 'warn');
    log.trace('a', {}, 'a');
    log.debug('b', {}, 'b');
    log.info('c', {}, 'c');
    log.warn('d', {}, 'd');
    log.error('e', {}, 'e');
    await log.flush(1000);
    expect(out.records().map((r) => [r.level, r.event])).toEqual([
      ['warn', 'd'],
      ['error', 'e'],
    ]);
    const silent = setup('json', 'silent');
    silent.log.error('x', {}, 'x');
    await silent.log.flush(1000);
    expect(silent.out.text()).toBe('');
    const all = setup('json', 'trace');
    all.log.trace('t', {}, 't');
    await all.log.flush(1000);
    expect(all.out.records()[0]).toMatchObject({ level: 'trace', event: 't' });
  });

  it('raw: events go to stderr, stdout stays the child’s', async () => {
    const { out, err, log } = setup('raw');
    log.info('ready', {}, 'all services ready');
    await log.flush(1000);
    expect(out.text()).toBe('');
    expect(err.records()).toEqual([{ level: 'info', time: '2026-11-22T10:00:00.000Z', event: 'ready', msg: 'all services ready' }]);
  });

  it('pretty: one readable line per event, plain without color', async () => {
    const { out, log } = setup('pretty');
    log.info('service.ready', { service: 'php-fpm', pid: 12 }, 'ready');
    log.warn('service.start', { service: 'app', cwd: '/srv/my app', argv: ['yarn', 'start'] }, '');
    log.error('ready.timeout', { service: 'app' }, 'gave up');
    await log.flush(1000);
    const hh = localClock(T);
    expect(out.lines()).toEqual([
      `${hh} berth  service.ready php-fpm pid=12 — ready`,
      `${hh} berth  WARN service.start app cwd="/srv/my app" argv=["yarn","start"]`,
      `${hh} berth  ERROR ready.timeout app — gave up`,
    ]);
  });

  it('pretty: a list or a long text the message already holds is not shown twice; short values still are', async () => {
    const { out, log } = setup('pretty');
    const problems = ['app: command "x" not found on PATH=/usr/bin', 'db: cwd /srv/db does not exist'];
    log.error('preflight.failed', { problems, count: 2 }, `preflight found 2 problem(s):\n  ${problems.join('\n  ')}`);
    log.info('service.ready', { service: 'app', pid: 7 }, 'app is ready');
    await log.flush(1000);
    const text = out.text();
    expect(text.match(/not found on PATH/g)).toHaveLength(1);
    expect(text).toContain('preflight.failed count=2 — preflight found 2 problem(s):');
    expect(text).toContain('service.ready app pid=7 — app is ready');
  });

  it('an event quoting a secret cut short (a probe’s output, a path) shows no slice of 8+ characters of it, in json and pretty', async () => {
    const secret = 'long-secret-' + 'abcdef'.repeat(12);
    for (const format of ['json', 'pretty'] as const) {
      const out = new Collector();
      const sink = createSink({ stdout: out, stderr: new Collector() });
      const log = createLogger({ format, level: 'info', sink, clock: () => T, secretValues: [secret] });
      log.error('ready.timeout', { service: 'app', lastProbe: `exec said: ${secret.slice(0, 40)}…`, lines: [`x ${secret.slice(20)}`] }, `cut: ${secret.slice(5, 30)}`);
      await log.flush(1000);
      for (let i = 0; i + 8 <= secret.length; i++) expect(out.text(), format).not.toContain(secret.slice(i, i + 8));
      expect(out.text()).toContain('exec said: ***…');
    }
  });

  it('pretty with color uses ANSI codes; the text is the same once they are stripped', async () => {
    const { out, log } = setup('pretty', 'info', true);
    log.info('service.ready', { service: 'php-fpm', pid: 12 }, 'ready');
    await log.flush(1000);
    const line = out.lines()[0]!;
    expect(line).toContain('\x1b[');
    // eslint-disable-next-line no-control-regex
    expect(line.replace(/\x1b\[\d+m/g, '')).toBe(`${localClock(T)} berth  service.ready php-fpm pid=12 — ready`);
  });

  it('events and other writes keep their order through the one sink', async () => {
    const out = new Collector();
    const sink = createSink({ stdout: out, stderr: new Collector() });
    const log = createLogger({ format: 'json', level: 'info', sink, clock: () => T });
    log.info('service.start', {}, 'one');
    sink.write('{"child":1}\n');
    log.info('service.exit', {}, 'two');
    await log.flush(1000);
    expect(out.records().map((r) => r.event ?? r.child)).toEqual(['service.start', 1, 'service.exit']);
  });
});

describe('wantsColor', () => {
  it('NO_COLOR wins, FORCE_COLOR forces, TERM=dumb disables, else the TTY decides', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: '' }, true)).toBe(true);
    expect(wantsColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true)).toBe(false);
  });
});
