import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');

function write(text: string | Buffer, name = 'berth.yaml'): { dir: string; file: string } {
  const dir = scratchDir('berth-load-');
  writeFileSync(path.join(dir, name), text);
  return { dir, file: path.join(dir, name) };
}

function load(text: string, env: Record<string, string> = {}, name?: string) {
  const { file, dir } = write(text, name);
  return loadConfig(file, env, { cwd: dir }).config;
}

function problems(text: string | Buffer): string {
  const { file, dir } = write(text);
  try {
    loadConfig(file, {}, { cwd: dir });
  } catch (e) {
    if (e instanceof ConfigError) return e.format(dir);
    throw e;
  }
  return 'accepted';
}

describe('loading a config', () => {
  it("reads CONTRACT §2's example as written", () => {
    const loaded = loadConfig(path.join(FIXTURES, 'design-example.yaml'), { POSTGRES_PASSWORD: 'pw' }, { cwd: FIXTURES });
    expect(loaded.file).toBe(path.join(FIXTURES, 'design-example.yaml'));
    expect(loaded.dir).toBe(FIXTURES);
    const c = loaded.config;
    expect(c.readyFile).toBe('/run/berth/ready');
    expect(c.shutdownTimeout).toBe(9000);
    expect(c.log).toEqual({ format: 'json', level: 'info' });
    expect(c.env).toEqual({ NODE_ENV: 'production' });
    expect(c.envFile).toEqual(['.env']);
    expect(c.secrets).toEqual(['POSTGRES_PASSWORD']);
    expect(c.waitFor).toEqual([{ kind: 'tcp', host: 'db', port: 5432 }]);
    expect(c.health).toEqual({ listen: { host: '0.0.0.0', port: 9090 } });
    expect(c.tasks).toEqual([
      {
        name: 'migrate',
        cwd: 'packages/twenty-server',
        command: ['yarn', 'typeorm', 'migration:run'],
        timeout: 300_000,
        retries: 2,
        retryDelay: 3000,
        optional: false,
        skip: false,
        requires: ['package.json'],
      },
    ]);
    expect(c.services).toEqual({
      'php-fpm': {
        preset: 'php-fpm',
        ready: { kind: 'unix', path: '/var/run/php-fpm/php-fpm.sock' },
        dirs: [{ path: '/var/run/php-fpm', owner: 'www-data', mode: 0o775 }],
      },
      nginx: { preset: 'nginx', after: ['php-fpm'], ready: { kind: 'tcp', port: 80 } },
      app: {
        command: 'yarn start',
        cwd: '.',
        requires: ['nx.json'],
        user: 'node',
        ready: { kind: 'http', url: 'http://127.0.0.1:3000/health' },
        readyTimeout: 90_000,
        stopSignal: 'SIGTERM',
        stopTimeout: 8000,
        restart: 'never',
        maxRestarts: 5,
        main: true,
      },
    });
    expect(loaded.where(['services', 'app', 'ready'])).toEqual({ file: loaded.file, line: 35, col: 12 });
  });

  it('interpolates before validating, so a variable can hold a bool, a duration or a count', () => {
    const text = 'tasks:\n  - command: x\n    skip: ${SKIP:-false}\n    timeout: ${T:-5m}\n    retries: ${R:-1}';
    expect(load(text).tasks![0]).toMatchObject({ skip: false, timeout: 300_000, retries: 1 });
    expect(load(text, { SKIP: 'yes', T: '500', R: '3' }).tasks![0]).toMatchObject({ skip: true, timeout: 500, retries: 3 });
    expect(load(text, { SKIP: '1' }).tasks![0]!.skip).toBe(true);
    expect(load(text, { SKIP: 'no' }).tasks![0]!.skip).toBe(false);
  });

  it('interpolates every string, keys excepted, and $$ is a literal $', () => {
    const c = load('env:\n  URL: postgres://${DB:-db}/app\n  PRICE: $$5\n  ${KEY}: stays\nservices:\n  app:\n    command: [echo, "${WHO}"]', { WHO: 'me' });
    expect(c.env).toEqual({ URL: 'postgres://db/app', PRICE: '$5', '${KEY}': 'stays' });
    expect(c.services!.app!.command).toEqual(['echo', 'me']);
  });

  it('coerces what YAML makes of numbers and bools where a string is meant', () => {
    const c = load('env: { PORT: 3000, DEBUG: true, EMPTY: }\nservices:\n  app:\n    command: [sleep, 10]\n    user: 1000\n    dirs: [{ path: /x, owner: 33, mode: 0775 }, { path: /y, mode: 0o750 }, { path: /z, mode: "0700" }]');
    expect(c.env).toEqual({ PORT: '3000', DEBUG: 'true', EMPTY: '' });
    expect(c.services!.app).toMatchObject({ command: ['sleep', '10'], user: '1000' });
    expect(c.services!.app!.dirs).toEqual([
      { path: '/x', owner: '33', mode: 0o775 },
      { path: '/y', mode: 0o750 },
      { path: '/z', mode: 0o700 },
    ]);
  });

  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['TERM', 'SIGTERM'],
    ['term', 'SIGTERM'],
    ['15', 'SIGTERM'],
    ['SIGQUIT', 'SIGQUIT'],
    ['3', 'SIGQUIT'],
    ['sigint', 'SIGINT'],
  ])('stopSignal %s is %s', (written, canonical) => {
    expect(load(`services:\n  app:\n    command: x\n    stopSignal: ${written}`).services!.app!.stopSignal).toBe(canonical);
  });

  it.each([
    ['unix:/run/php.sock', { kind: 'unix', path: '/run/php.sock' }],
    ['tcp:80', { kind: 'tcp', port: 80 }],
    ['tcp:127.0.0.1:9000', { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['"tcp:[::1]:9000"', { kind: 'tcp', host: '::1', port: 9000 }],
    ['http://127.0.0.1:3000/health', { kind: 'http', url: 'http://127.0.0.1:3000/health' }],
    ['https://example.com/', { kind: 'http', url: 'https://example.com/' }],
    ['file:/tmp/ready', { kind: 'file', path: '/tmp/ready' }],
    ['{ http: "http://127.0.0.1/", status: 204 }', { kind: 'http', url: 'http://127.0.0.1/', status: 204 }],
    ['{ exec: [pg_isready, -U, app] }', { kind: 'exec', argv: ['pg_isready', '-U', 'app'] }],
    ['{ exec: "pg_isready -U app" }', { kind: 'exec', argv: ['pg_isready', '-U', 'app'] }],
    ['{ log: "ready to accept" }', { kind: 'log', regex: 'ready to accept' }],
    ['{ fastcgi: "unix:/run/php.sock", path: /ping, expect: pong }', { kind: 'fastcgi', address: 'unix:/run/php.sock', path: '/ping', expect: 'pong' }],
    ['{ fastcgi: "127.0.0.1:9000" }', { kind: 'fastcgi', address: '127.0.0.1:9000', path: '/ping' }],
  ])('ready: %s', (written, probe) => {
    expect(load(`services:\n  app:\n    command: x\n    ready: ${written}`).services!.app!.ready).toEqual(probe);
  });

  it('YAML anchors and merge keys work, with x- keys at the top to hold them (as in Compose)', () => {
    const c = load('x-common: &common\n  restart: always\n  stopTimeout: 3s\nservices:\n  a:\n    <<: *common\n    command: a\n  b:\n    <<: *common\n    command: b\n    restart: never');
    expect(c.services).toEqual({
      a: { command: 'a', restart: 'always', stopTimeout: 3000 },
      b: { command: 'b', restart: 'never', stopTimeout: 3000 },
    });
    expect(c).not.toHaveProperty('x-common');
  });

  it('reads JSON too', () => {
    expect(load('{"services": {"app": {"command": ["node", "server.js"], "readyTimeout": 0}}}', {}, 'berth.json').services!.app).toEqual({
      command: ['node', 'server.js'],
      readyTimeout: 0,
    });
  });

  it('a config with only tasks is fine', () => {
    expect(load('tasks:\n  - command: echo hi')).toEqual({ tasks: [{ command: 'echo hi' }] });
  });
});

describe('a file that is no config at all', () => {
  it.each([
    ['', 'berth.yaml: the file is empty; expected settings like "services:" or "tasks:"'],
    ['   \n\n', 'berth.yaml: the file is empty; expected settings like "services:" or "tasks:"'],
    ['# only a comment\n', 'berth.yaml: the file is empty; expected settings like "services:" or "tasks:"'],
    [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), 'berth.yaml: the file is not text (it holds binary data); expected YAML or JSON'],
    [Buffer.from([0x73, 0x3a, 0x20, 0xff, 0xfe]), 'berth.yaml: the file is not text (it holds binary data); expected YAML or JSON'],
  ])('%j', (text, message) => expect(problems(text)).toBe(message));

  it('a missing or unreadable file says why', () => {
    const dir = scratchDir('berth-load-');
    const attempt = (file: string) => {
      try {
        loadConfig(file, {}, { cwd: dir });
        return 'accepted';
      } catch (e) {
        return (e as ConfigError).format(dir);
      }
    };
    expect(attempt('gone.yaml')).toBe('gone.yaml: cannot read the config file: file not found');
    expect(attempt('.')).toBe(`${dir}: cannot read the config file: it is a directory`);
    const { file } = write('tasks: []');
    chmodSync(file, 0o000);
    if (process.getuid?.() !== 0) expect(attempt(file)).toBe(`${file}: cannot read the config file: permission denied`);
  });
});
