import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { buildPlan, ConfigError, UsageError, type PlanOptions } from '../../src/plan/index.js';

const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/root' };
const noPhp = () => undefined;

function configIn(text: string, files: Record<string, string> = {}, env: Record<string, string> = ENV): LoadedConfig {
  const dir = scratchDir('berth-plan-');
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  writeFileSync(path.join(dir, 'berth.yaml'), text);
  return loadConfig(path.join(dir, 'berth.yaml'), env, { cwd: dir });
}

const plan = (loaded: LoadedConfig | undefined, o: Partial<PlanOptions> = {}) =>
  buildPlan(loaded, { baseDir: '/srv', env: ENV, uid: 0, findPhpFpm: noPhp, ...o });

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof UsageError) return `usage: ${e.message}`;
    if (e instanceof ConfigError) return `config: ${e.format('/')}`;
    throw e;
  }
  return 'no error';
}

describe('the command alone (no config file)', () => {
  it('becomes one service named after its program, with the defaults', () => {
    const p = plan(undefined, { cmdArgs: ['php-fpm8.2', '-F'] });
    expect(p.services).toEqual([
      {
        name: 'php-fpm8.2',
        argv: ['php-fpm8.2', '-F'],
        shell: false,
        cwd: '/srv',
        env: ENV,
        envKeys: [],
        requires: [],
        readyTimeoutMs: 60_000,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: 8_000,
        restart: 'never',
        maxRestarts: 5,
        minUptimeMs: 10_000,
        forward: ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'],
        main: true,
        after: [],
        dirs: [],
      },
    ]);
    expect(p).toMatchObject({ baseDir: '/srv', readyFile: '/run/berth/ready', shutdownTimeoutMs: 9_000, waitFor: [], waitTimeoutMs: 60_000, tasks: [], secretValues: [] });
    expect(p.log).toEqual({ format: 'json', level: 'info', stallTimeoutMs: 5000 });
    expect(p.configFile).toBeUndefined();
  });

  it.each([
    [['/usr/local/bin/node', 'server.js'], 'node'],
    [['yarn', 'start'], 'yarn'],
    [['./run me.sh'], 'run-me.sh'],
  ])('%j is called %s', (cmdArgs, name) => expect(plan(undefined, { cmdArgs }).services[0]!.name).toBe(name));

  it('the ready file is /run/berth/ready for root, /tmp/berth-UID/ready for others', () => {
    expect(plan(undefined, { cmdArgs: ['x'], uid: 0 }).readyFile).toBe('/run/berth/ready');
    expect(plan(undefined, { cmdArgs: ['x'], uid: 1000 }).readyFile).toBe('/tmp/berth-1000/ready');
  });

  it('logs are pretty on a TTY, JSON otherwise', () => {
    expect(plan(undefined, { cmdArgs: ['x'], stdoutIsTTY: true }).log.format).toBe('pretty');
    expect(plan(undefined, { cmdArgs: ['x'], stdoutIsTTY: false }).log.format).toBe('json');
  });

  it('nothing to run is a usage error', () => {
    expect(failure(() => plan(undefined, {}))).toBe('usage: nothing to run: give a command (berth yarn start) or a config file (./berth.yaml, or -c FILE)');
  });
});

describe('the command with a config file', () => {
  const two = 'services:\n  web:\n    preset: nginx\n  app:\n    command: node server.js\n';

  it('replaces the command of the main service, as an argv', () => {
    const p = plan(configIn(`${two}    main: true\n    shell: true`), { cmdArgs: ['node', 'other.js'] });
    expect(p.services.find((s) => s.name === 'app')).toMatchObject({ argv: ['node', 'other.js'], shell: false, main: true });
    expect(p.services.find((s) => s.name === 'web')).toMatchObject({ argv: ['nginx', '-g', 'daemon off;'], main: false });
  });

  it('replaces the command of the only service', () => {
    const p = plan(configIn('services:\n  app:\n    command: node server.js'), { cmdArgs: ['node', 'debug.js'] });
    expect(p.services[0]).toMatchObject({ name: 'app', argv: ['node', 'debug.js'], main: true });
  });

  it('with several services and none marked main, is a usage error', () => {
    const loaded = configIn(two);
    expect(failure(() => buildPlan(loaded, { baseDir: loaded.dir, env: ENV, cmdArgs: ['yarn', 'start'], findPhpFpm: noPhp }))).toBe(
      'usage: a command (yarn start) given, but berth.yaml has 2 services (web and app) and none is marked main: true; mark the one it is for with main: true',
    );
  });

  it('with only tasks, the command runs as a service after them (the entrypoint-script shape)', () => {
    const p = plan(configIn('tasks:\n  - command: yarn migrate'), { cmdArgs: ['yarn', 'start'] });
    expect(p.tasks.map((t) => t.argv)).toEqual([['yarn', 'migrate']]);
    expect(p.services).toMatchObject([{ name: 'yarn', argv: ['yarn', 'start'], main: true }]);
    expect(p.services[0]!.source).toBeUndefined();
  });

  it('only tasks and no command: nothing to supervise, which is fine', () => {
    expect(plan(configIn('tasks:\n  - command: yarn migrate')).services).toEqual([]);
  });

  it('a service with no command, no preset and no command given is a config error', () => {
    expect(failure(() => plan(configIn('services:\n  app:\n    ready: tcp:3000')))).toMatch(
      /^config: .*berth.yaml:3:5 services.app: no command; give it a command, a preset, or pass the command after berth$/,
    );
  });

  it('a service with no command takes the command given', () => {
    expect(plan(configIn('services:\n  app:\n    ready: tcp:3000'), { cmdArgs: ['yarn', 'start'] }).services[0]!.argv).toEqual(['yarn', 'start']);
  });
});

describe('commands and presets', () => {
  it('shell: true runs the string with /bin/sh -c; a string otherwise splits into words', () => {
    const p = plan(configIn('services:\n  a:\n    command: "exec yarn start 2>&1"\n    shell: true\n  b:\n    command: nginx -g \'daemon off;\''));
    expect(p.services.map((s) => [s.argv, s.shell])).toEqual([
      [['/bin/sh', '-c', 'exec yarn start 2>&1'], true],
      [['nginx', '-g', 'daemon off;'], false],
    ]);
  });

  it('presets bring their command and SIGQUIT; php-fpm is looked for on the child PATH', () => {
    const seen: (string | undefined)[] = [];
    const find = (p: string | undefined) => (seen.push(p), 'php-fpm8.2');
    const p = plan(configIn('env: { PATH: /opt/php/sbin }\nservices:\n  php:\n    preset: php-fpm\n  web:\n    preset: nginx\n    stopSignal: TERM'), { findPhpFpm: find });
    expect(p.services.map((s) => [s.name, s.argv, s.stopSignal])).toEqual([
      ['php', ['php-fpm8.2', '-F'], 'SIGQUIT'],
      ['web', ['nginx', '-g', 'daemon off;'], 'SIGTERM'],
    ]);
    expect(seen).toEqual(['/opt/php/sbin']);
  });

  it('php-fpm not found stays php-fpm, for preflight to report', () => {
    expect(plan(configIn('services:\n  php:\n    preset: php-fpm')).services[0]!.argv).toEqual(['php-fpm', '-F']);
  });

  it('a command given with a preset keeps its own arguments', () => {
    const p = plan(configIn('services:\n  php:\n    preset: php-fpm\n    command: php-fpm8.1 -F -y /etc/fpm.conf'));
    expect(p.services[0]).toMatchObject({ argv: ['php-fpm8.1', '-F', '-y', '/etc/fpm.conf'], stopSignal: 'SIGQUIT', preset: 'php-fpm' });
  });
});

describe('paths', () => {
  it('resolve against the config file directory; a process runs in berth\'s directory unless it says', () => {
    const loaded = configIn(
      'readyFile: run/ready\nwaitFor: ["file:flag", "unix:/abs.sock", "tcp://db:5432", "http://api/health"]\ntasks:\n  - command: x\n    cwd: packages/server\n    requires: [package.json]\nservices:\n  app:\n    command: x\n    cwd: .\n    requires: nx.json\n    ready: unix:run/app.sock\n    dirs: [{ path: run }]\n  other:\n    command: y',
    );
    const d = loaded.dir;
    const p = plan(loaded);
    expect(p.baseDir).toBe(d);
    expect(p.readyFile).toBe(`${d}/run/ready`);
    expect(p.waitFor).toEqual([`file:${d}/flag`, 'socket:/abs.sock', 'tcp:db:5432', 'http://api/health']);
    expect(p.tasks[0]).toMatchObject({ cwd: `${d}/packages/server`, requires: [`${d}/packages/server/package.json`] });
    expect(p.services[0]).toMatchObject({ cwd: d, requires: [`${d}/nx.json`], ready: { kind: 'unix', path: `${d}/run/app.sock` }, dirs: [{ path: `${d}/run` }] });
    expect(p.services[1]!.cwd).toBe('/srv');
  });

  it('each process says where it was written', () => {
    const loaded = configIn('tasks:\n  - command: x\nservices:\n  app:\n    command: x');
    const p = buildPlan(loaded, { baseDir: loaded.dir, env: ENV });
    expect([p.tasks[0]!.source, p.services[0]!.source]).toEqual(['berth.yaml:2:5 tasks[0]', 'berth.yaml:5:5 services.app']);
  });
});

describe('environment', () => {
  it('lowest first: berth, envFile, top env, own env, secrets; envKeys names what berth set', () => {
    const loaded = configIn(
      'envFile: app.env\nenv: { A: top, B: top }\nsecrets: [PG_PASS]\nservices:\n  app:\n    command: x\n    env: { B: own, PG_PASS: own }',
      { 'app.env': 'A=file\nC=file\nHOME=/app\n', pg: 'hunter2\n' },
      { ...ENV, A: 'berth', PG_PASS_FILE: 'pg' },
    );
    const env = { ...ENV, A: 'berth', PG_PASS_FILE: path.join(loaded.dir, 'pg') };
    const p = plan(loaded, { env });
    expect(p.services[0]!.env).toEqual({ PATH: ENV.PATH, HOME: '/app', A: 'top', B: 'own', C: 'file', PG_PASS: 'hunter2' });
    expect(p.services[0]!.envKeys).toEqual(['A', 'B', 'C', 'HOME', 'PG_PASS']);
    expect(p.secretValues).toEqual(['hunter2']);
  });

  it('tasks get the same layers', () => {
    const p = plan(configIn('env: { A: top }\ntasks:\n  - command: x\n    env: { B: task }'));
    expect(p.tasks[0]!.env).toMatchObject({ A: 'top', B: 'task' });
    expect(p.tasks[0]!.envKeys).toEqual(['A', 'B']);
  });
});

describe('tasks', () => {
  it('have the documented defaults: no timeout, no retries, retries 1s apart, required, not skipped', () => {
    const p = plan(configIn('tasks:\n  - command: yarn migrate\n  - command: yarn seed\n  - command: ["./warm.sh"]\n    timeout: 0'));
    expect(p.tasks.map(({ name, timeoutMs, retries, retryDelayMs, optional, skip }) => ({ name, timeoutMs, retries, retryDelayMs, optional, skip }))).toEqual([
      { name: 'yarn', timeoutMs: undefined, retries: 0, retryDelayMs: 1000, optional: false, skip: false },
      { name: 'yarn-2', timeoutMs: undefined, retries: 0, retryDelayMs: 1000, optional: false, skip: false },
      { name: 'warm.sh', timeoutMs: undefined, retries: 0, retryDelayMs: 1000, optional: false, skip: false },
    ]);
  });
});

describe('overrides: flags beat env beat file', () => {
  const file = 'readyFile: /file/ready\nlog: { format: raw, level: warn }\nwaitFor: ["tcp://db:5432"]\nservices:\n  app:\n    command: x\n    ready: tcp:3000\n    readyTimeout: 5s\n    stopSignal: INT\n    stopTimeout: 2s';

  it('the file alone', () => {
    const p = plan(configIn(file));
    expect([p.readyFile, p.log]).toEqual(['/file/ready', { format: 'raw', level: 'warn', stallTimeoutMs: 5000 }]);
  });

  it('env over the file', () => {
    const p = plan(configIn(file), { env: { ...ENV, BERTH_READY_FILE: 'env/ready', BERTH_LOG_FORMAT: 'pretty', BERTH_LOG_LEVEL: 'debug' } });
    expect([p.readyFile, p.log]).toEqual(['/srv/env/ready', { format: 'pretty', level: 'debug', stallTimeoutMs: 5000 }]);
  });

  it('flags over env, and the service flags on the main service', () => {
    const p = plan(configIn(file), {
      env: { ...ENV, BERTH_READY_FILE: '/env/ready', BERTH_LOG_FORMAT: 'nonsense' },
      overrides: {
        readyFile: 'false',
        logFormat: 'json',
        logLevel: 'error',
        readyProbe: 'unix:app.sock',
        readyTimeout: '0',
        stopSignal: '15',
        stopTimeout: '1m',
        cwd: 'www',
        waitFor: ['http://cache:8080/', 'tcp://q:5672'],
      },
    });
    expect([p.readyFile, p.log]).toEqual([false, { format: 'json', level: 'error', stallTimeoutMs: 5000 }]);
    expect(p.waitFor).toEqual(['tcp:db:5432', 'http://cache:8080/', 'tcp:q:5672']);
    expect(p.services[0]).toMatchObject({ cwd: '/srv/www', ready: { kind: 'unix', path: '/srv/app.sock' }, readyTimeoutMs: 0, stopSignal: 'SIGTERM', stopTimeoutMs: 60_000 });
  });

  it('--ready takes an inline mapping too', () => {
    const p = plan(undefined, { cmdArgs: ['pg'], overrides: { readyProbe: '{ exec: [pg_isready] }', parseMapping: parseYaml } });
    expect(p.services[0]!.ready).toEqual({ kind: 'exec', argv: ['pg_isready'] });
  });

  it('bad flags are a usage error, every one of them', () => {
    expect(
      failure(() =>
        plan(undefined, { cmdArgs: ['x'], overrides: { readyProbe: 'sock:/x', readyTimeout: 'soon', stopSignal: 'SIGFOO', logFormat: 'text', waitFor: ['db:5432'] } }),
      ),
    ).toBe(
      [
        'usage: --ready: unknown probe "sock:"; expected unix:, tcp:, http:, https:, file:, exec, log or fastcgi',
        '--ready-timeout: expected a duration like 500ms, 10s, 5m, 1h or a number of milliseconds, got "soon"',
        '--wait-for: unknown resource "db:5432"; did you mean "tcp://db:5432"?',
        '--stop-signal: unknown signal "SIGFOO"',
        '--log-format: expected one of json, pretty or raw, got "text"',
      ].join('\n'),
    );
  });

  it('a bad BERTH_ variable is a config error', () => {
    expect(failure(() => plan(undefined, { cmdArgs: ['x'], env: { BERTH_LOG_FORMAT: 'jsn', BERTH_LOG_LEVEL: 'loud' } }))).toBe(
      'config: BERTH_LOG_FORMAT: expected one of json, pretty or raw, got "jsn"; did you mean "json"?\nBERTH_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal or silent, got "loud"',
    );
  });

  it('service flags with no service to apply to are a usage error', () => {
    const two = configIn('services:\n  a:\n    command: x\n  b:\n    command: y');
    expect(failure(() => buildPlan(two, { baseDir: two.dir, env: ENV, overrides: { readyProbe: 'tcp:80', cwd: '/x' } }))).toBe(
      'usage: --ready and --cwd given, but berth.yaml has 2 services (a and b) and none is marked main: true; mark the one it is for with main: true',
    );
    expect(failure(() => plan(configIn('tasks:\n  - command: x'), { overrides: { stopTimeout: '1s' } }))).toBe(
      'usage: --stop-timeout given, but there is no service to apply it to',
    );
  });
});

describe('start order', () => {
  it('follows after, written order where free', () => {
    const p = plan(configIn('services:\n  web:\n    command: w\n    after: [api]\n  api:\n    command: a\n    after: [db]\n  db:\n    command: d\n  cron:\n    command: c'));
    expect(p.services.map((s) => s.name)).toEqual(['db', 'api', 'web', 'cron']);
  });

  it('php-fpm before nginx in the documented example', () => {
    const fixtures = path.join(import.meta.dirname, '../fixtures/config');
    const loaded = loadConfig(path.join(fixtures, 'design-example.yaml'), { POSTGRES_PASSWORD: 'pw' }, { cwd: fixtures });
    expect(plan(loaded).services.map((s) => s.name)).toEqual(['php-fpm', 'nginx', 'app']);
  });
});

it('reads no file: a directory that is not there is planned as written, for preflight to check', () => {
  const missing = path.join(tmpdir(), 'berth-plan-never-made', 'www');
  expect(plan(undefined, { cmdArgs: ['x'], baseDir: missing }).services[0]!.cwd).toBe(missing);
});
