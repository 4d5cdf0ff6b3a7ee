// What a user sees for a config that is wrong: one line per problem, file:line:col,
// key path, what was found and what was expected. Never a stack trace.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

function problemsOf(text: string, env: Record<string, string> = {}, name = 'berth.yaml'): string[] {
  const dir = scratchDir('berth-bad-');
  writeFileSync(path.join(dir, name), text);
  try {
    loadConfig(path.join(dir, name), env, { cwd: dir });
  } catch (e) {
    if (e instanceof ConfigError) return e.format(dir).split('\n');
    throw e;
  }
  throw new Error('the config was accepted');
}

const svc = (lines: string) => `services:\n  app:\n    command: yarn start\n${lines}`;
const DURATION = 'expected a duration like 500ms, 10s, 5m, 1h or a number of milliseconds';
const PROBES = 'expected unix:, tcp:, http:, https:, file:, exec, log or fastcgi';

const table: [string, string, string[]][] = [
  ['misspelled key', svc('    readyTimout: 5s'), ['berth.yaml:4:5 services.app.readyTimout: unknown key; did you mean "readyTimeout"?']],
  ['unknown probe', 'services:\n  php-fpm:\n    preset: php-fpm\n    ready: sock:/var/run/php-fpm.sock', [`berth.yaml:4:12 services.php-fpm.ready: unknown probe "sock:"; ${PROBES}`]],
  ['duration in words', svc('    readyTimeout: 10 seconds'), [`berth.yaml:4:19 services.app.readyTimeout: ${DURATION}, got "10 seconds"`]],
  ['empty duration', svc('    readyTimeout:'), [`berth.yaml:4:5 services.app.readyTimeout: ${DURATION}, got nothing`]],
  ['negative duration', 'waitTimeout: -5', [`berth.yaml:1:14 waitTimeout: ${DURATION}, got -5`]],
  ['unknown restart policy', svc('    restart: sometimes'), ['berth.yaml:4:14 services.app.restart: expected one of never, on-failure or always, got "sometimes"']],
  ['misspelled restart policy', svc('    restart: alway'), ['berth.yaml:4:14 services.app.restart: expected one of never, on-failure or always, got "alway"; did you mean "always"?']],
  ['misspelled signal', svc('    stopSignal: SIGTREM'), ['berth.yaml:4:17 services.app.stopSignal: unknown signal "SIGTREM"; did you mean "SIGTERM"?']],
  ['no such signal number', svc('    stopSignal: 99'), ['berth.yaml:4:17 services.app.stopSignal: no signal has number 99; expected a signal like SIGTERM, TERM or 15']],
  ['port out of range', svc('    ready: tcp:99999'), ['berth.yaml:4:12 services.app.ready: expected tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535, got "tcp:99999"']],
  ['a bare port', svc('    ready: 3000'), ['berth.yaml:4:12 services.app.ready: expected a probe like unix:/path, tcp:PORT, http://… or { exec: [...] }, got 3000; did you mean "tcp:3000"?']],
  ['a bare path', svc('    ready: /run/app.sock'), [`berth.yaml:4:12 services.app.ready: unknown probe "/run/app.sock"; ${PROBES}; did you mean "unix:/run/app.sock" or "file:/run/app.sock"?`]],
  ['a transposed scheme', svc('    ready: tpc:80'), [`berth.yaml:4:12 services.app.ready: unknown probe "tpc:"; ${PROBES}; did you mean "tcp:"?`]],
  ['stray key in an http probe', svc('    ready: { http: "http://127.0.0.1/", statuss: 204 }'), ['berth.yaml:4:12 services.app.ready: unknown key "statuss" in an http probe; did you mean "status"?']],
  ['bad status', svc('    ready: { http: "http://127.0.0.1/", status: 700 }'), ['berth.yaml:4:12 services.app.ready: status: expected an HTTP status from 100 to 599, got 700']],
  ['regex that does not compile', svc('    ready: { log: "(" }'), ['berth.yaml:4:12 services.app.ready: log: invalid regular expression "(": Unterminated group']],
  ['unknown probe key', svc('    ready: { htp: "http://x/" }'), [`berth.yaml:4:12 services.app.ready: unknown probe key "htp"; ${PROBES}; did you mean "http"?`]],
  ['empty exec', svc('    ready: { exec: [] }'), ['berth.yaml:4:12 services.app.ready: exec: expected a command as a string or a list of strings, got an empty list']],
  ['fastcgi path without /', svc('    ready: { fastcgi: "127.0.0.1:9000", path: ping }'), ['berth.yaml:4:12 services.app.ready: path: expected a path like /ping, got "ping"']],
  ['unterminated quote', 'services:\n  app:\n    command: "yarn \'start"', ['berth.yaml:3:14 services.app.command: unterminated quote (\') in "yarn \'start"']],
  ['a list with shell: true', 'services:\n  app:\n    command: [yarn, start]\n    shell: true', ['berth.yaml:3:14 services.app.command: with shell: true, write the command as one string for /bin/sh -c']],
  ['empty command', 'services:\n  app:\n    command: ""', ['berth.yaml:3:14 services.app.command: the command is empty']],
  ['not a boolean', svc('    main: maybe'), ['berth.yaml:4:11 services.app.main: expected true or false (or yes/no, 1/0), got "maybe"']],
  ['negative count', svc('    maxRestarts: -1'), ['berth.yaml:4:18 services.app.maxRestarts: expected a whole number (0 or more) or unlimited, got -1']],
  ['a stop signal to forward', svc('    forward: [SIGHUP, TERM]'), ['berth.yaml:4:23 services.app.forward[1]: berth does not forward SIGTERM; it forwards SIGHUP, SIGUSR1, SIGUSR2 or SIGWINCH']],
  ['forward not a list', svc('    forward: SIGHUP'), ['berth.yaml:4:14 services.app.forward: expected a list of signals (SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH), or [] for none, got "SIGHUP"']],
  ['service name with a space', 'services:\n  "my app":\n    command: x', ['berth.yaml:2:3 services.my app: "my app" is not a valid service name: a name may use letters, digits, ".", "_" and "-", starts with a letter or digit, and is at most 64 characters']],
  ['a cycle', 'services:\n  a:\n    command: x\n    after: [b]\n  b:\n    command: x\n    after: [c]\n  c:\n    command: x\n    after: [a]', ['berth.yaml:4:12 services.a.after: cycle a → b → c → a']],
  ['after itself', svc('    after: [app]'), ['berth.yaml:4:12 services.app.after: app cannot come after itself']],
  ['after a service that is not there', 'services:\n  nginx:\n    preset: nginx\n    after: [php]\n  php-fpm:\n    preset: php-fpm', ['berth.yaml:4:12 services.nginx.after: unknown service "php"; did you mean "php-fpm"?']],
  ['after nobody close', 'services:\n  nginx:\n    preset: nginx\n    after: [redis]\n  app:\n    command: x', ['berth.yaml:4:12 services.nginx.after: unknown service "redis"; services are app']],
  ['two mains', 'services:\n  a:\n    command: x\n    main: true\n  b:\n    command: y\n    main: true', ['berth.yaml:7:11 services.b.main: only one service can be main; a is main too']],
  ['bad mode', svc('    dirs: [{ path: /run/app, mode: rwx }]'), ['berth.yaml:4:36 services.app.dirs[0].mode: expected a file mode like "0775", got "rwx"']],
  ['dir without a path', svc('    dirs: [{ owner: www-data }]'), ['berth.yaml:4:12 services.app.dirs[0].path: missing; expected a directory path']],
  ['unknown preset', svc('    preset: apache'), ['berth.yaml:4:13 services.app.preset: expected one of php-fpm or nginx, got "apache"']],
  ['task without a command', 'tasks:\n  - name: migrate', ['berth.yaml:2:5 tasks[0].command: missing; expected a command as a string or a list of strings']],
  ['two tasks, one name', 'tasks:\n  - name: a\n    command: x\n  - name: a\n    command: y', ['berth.yaml:4:11 tasks[1].name: "a" is already the name of tasks[0]']],
  [
    'every problem at once',
    'tasks:\n  - name: migrate\n    command: x\n    timeout: soon\n    retries: two\n    skip: perhaps',
    [
      `berth.yaml:4:14 tasks[0].timeout: ${DURATION}, got "soon"`,
      'berth.yaml:5:14 tasks[0].retries: expected a whole number (0 or more), got "two"',
      'berth.yaml:6:11 tasks[0].skip: expected true or false (or yes/no, 1/0), got "perhaps"',
    ],
  ],
  ['a service key in a task', 'tasks:\n  - command: x\n    readyTimeout: 5s', ['berth.yaml:3:5 tasks[0].readyTimeout: unknown key here; readyTimeout is a service setting (services.NAME.readyTimeout), is the indentation right?']],
  ['a service key at the top', 'readyTimeout: 5s', ['berth.yaml:1:1 readyTimeout: unknown key here; readyTimeout is a service setting (services.NAME.readyTimeout), is the indentation right?']],
  ['log format', 'log: { format: text }', ['berth.yaml:1:16 log.format: expected one of json, pretty or raw, got "text"']],
  ['log level', 'log: { level: verbose }', ['berth.yaml:1:15 log.level: expected one of trace, debug, info, warn, error, fatal or silent, got "verbose"']],
  ['readyFile true', 'readyFile: true', ['berth.yaml:1:12 readyFile: expected a path or false, got true']],
  ['waitFor without a scheme', 'waitFor: [db:5432]', ['berth.yaml:1:11 waitFor[0]: unknown resource "db:5432"; did you mean "tcp://db:5432"?']],
  ['waitFor with another scheme', 'waitFor: ["postgres://db:5432"]', ['berth.yaml:1:11 waitFor[0]: unknown resource "postgres://db:5432"; expected tcp://host:port, http://…, https://…, unix:/path or file:/path']],
  ['waitFor without a port', 'waitFor: ["tcp://db"]', ['berth.yaml:1:11 waitFor[0]: expected tcp://host:port with a port from 1 to 65535, got "tcp://db"']],
  ['health listen', 'health: { listen: "0.0.0.0:http" }', ['berth.yaml:1:19 health.listen: expected host:port like 0.0.0.0:9090, got "0.0.0.0:http"']],
  ['env value a list', 'env: { A: [1, 2] }', ['berth.yaml:1:11 env.A: expected a string, a number or true/false, got a list']],
  ['secret name', 'secrets: ["pg pass"]', ['berth.yaml:1:11 secrets[0]: expected a variable name like POSTGRES_PASSWORD, got "pg pass"']],
  ['services as a list', 'services: [app]', ['berth.yaml:1:11 services: expected a mapping of service names to their settings, got a list']],
  ['tasks as a mapping', 'tasks: { migrate: { command: x } }', ['berth.yaml:1:8 tasks: expected a list of tasks, got a mapping']],
  ['a list at the top', '- a\n- b', ['berth.yaml:1:1: expected a mapping of settings (services, tasks, env, …), got a list']],
  ['unset variable', 'services:\n  app:\n    command: ${APP_CMD}', ["berth.yaml:3:14 services.app.command: APP_CMD is not set; set it in berth's environment, or give a default: ${APP_CMD:-value}"]],
  ['required variable', svc('    env:\n      DB: ${DB_HOST:?set DB_HOST to the database host}'), ['berth.yaml:5:11 services.app.env.DB: DB_HOST is not set: set DB_HOST to the database host']],
  ['unclosed ${', 'services:\n  app:\n    command: ${BAD', ['berth.yaml:3:14 services.app.command: unclosed "${" in "${BAD"; write $$ for a literal $']],
  ['YAML syntax', 'a: b: c', ['berth.yaml:1:4: nested mappings are not allowed in compact mappings']],
  ['duplicate key', 'services:\n  app:\n    command: x\n  app:\n    command: y', ['berth.yaml:4:3: this key appears twice in the same mapping']],
  ['two YAML documents', 'tasks: []\n---\nservices: {}', ['berth.yaml:2:1: the file holds more than one YAML document (---); berth reads one']],
  ['an alias to nothing', 'services:\n  app: *nope', ['berth.yaml:2:8 services.app: unknown alias *nope; define &nope before it']],
  ['tab indentation', 'services:\n\tapp: {}', ['berth.yaml:2:1: tabs cannot indent YAML; use spaces']],
  ['missing env file', 'envFile: missing.env', ['berth.yaml:1:10 envFile: cannot read env file ${DIR}/missing.env: file not found']],
  ['missing env file in a list', 'envFile: [missing.env]', ['berth.yaml:1:11 envFile[0]: cannot read env file ${DIR}/missing.env: file not found']],
  ['secret set nowhere', 'secrets: [PG_PASS]', ['berth.yaml:1:11 secrets[0]: neither PG_PASS nor PG_PASS_FILE is set; set PG_PASS, or PG_PASS_FILE to a file holding it']],
];

describe('a bad config says what, where and what was expected', () => {
  it('has a table of at least 30 cases', () => expect(table.length).toBeGreaterThanOrEqual(30));

  it.each(table)('%s', (_name, text, expected) => {
    const dir = scratchDir('berth-bad-');
    writeFileSync(path.join(dir, 'berth.yaml'), text);
    let lines: string[] = [];
    try {
      loadConfig(path.join(dir, 'berth.yaml'), {}, { cwd: dir });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      lines = (e as ConfigError).format(dir).split('\n');
    }
    expect(lines).toEqual(expected.map((l) => l.replace('${DIR}', dir)));
  });

  it('JSON gets the same messages, with JSON positions', () => {
    expect(problemsOf('{"services": {"app": {"command": "x", "readyTimout": "5s"}}}', {}, 'berth.json')).toEqual([
      'berth.json:1:39 services.app.readyTimout: unknown key; did you mean "readyTimeout"?',
    ]);
  });

  it('collects problems from every part of the file, in file order', () => {
    const text = 'log: { format: text }\nservices:\n  app:\n    command: x\n    restart: sometimes\n    readyTimout: 5s\nwaitTimeout: soon';
    expect(problemsOf(text)).toEqual([
      'berth.yaml:1:16 log.format: expected one of json, pretty or raw, got "text"',
      'berth.yaml:5:14 services.app.restart: expected one of never, on-failure or always, got "sometimes"',
      'berth.yaml:6:5 services.app.readyTimout: unknown key; did you mean "readyTimeout"?',
      `berth.yaml:7:14 waitTimeout: ${DURATION}, got "soon"`,
    ]);
  });

  it('a file of aliases expanding a billion times stops early, with one message', () => {
    const text = 'x-a: &a [x, x, x, x, x, x, x, x, x, x]\n' + 'bcdef'.split('').map((n, i) => `x-${n}: &${n} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]`).join('\n');
    expect(problemsOf(text)).toEqual(['berth.yaml:2:18 x-d[7][9][2]: more than 1000 aliases to expand; is an alias expanding into itself?']);
  });

  it('an unset variable is said once, not again as a wrong type', () => {
    expect(problemsOf(svc('    readyTimeout: ${READY_TIMEOUT}'))).toEqual([
      "berth.yaml:4:19 services.app.readyTimeout: READY_TIMEOUT is not set; set it in berth's environment, or give a default: ${READY_TIMEOUT:-value}",
    ]);
  });

  it('a file outside the working directory is shown by its absolute path', () => {
    const dir = scratchDir('berth-bad-');
    const file = path.join(dir, 'berth.yaml');
    writeFileSync(file, 'foo: 1');
    try {
      loadConfig(file, {}, { cwd: '/' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).format('/nowhere/else')).toMatch(new RegExp(`^${file}:1:1 foo: unknown key`));
    }
  });
});
