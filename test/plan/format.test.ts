import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildPlan, findPhpFpm, formatPlan, planToJson } from '../../src/plan/index.js';
import { resolvePresetArgv } from '../../src/presets/binary.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');
const ENV = { PATH: '/usr/bin', POSTGRES_PASSWORD: 'pw-s3cret', HOME: '/root' };

function designPlan() {
  const loaded = loadConfig(path.join(FIXTURES, 'design-example.yaml'), ENV, { cwd: FIXTURES });
  return buildPlan(loaded, { baseDir: FIXTURES, env: ENV, uid: 0, findPhpFpm: () => 'php-fpm8.2' });
}

describe('berth plan', () => {
  it('prints every step: absolute cwds, argv, env keys, probes, order, stop signals and timeouts', () => {
    const f = FIXTURES;
    expect(formatPlan(designPlan())).toBe(
      [
        `config     ${f}/design-example.yaml`,
        `paths      relative to ${f}`,
        'ready file /run/berth/ready',
        'log        json, level info',
        'shutdown   within 9s',
        'wait for   tcp:db:5432 (up to 60s)',
        'health     http://0.0.0.0:9090/livez and /readyz',
        'secrets    1 value(s), shown as *** in child output',
        '',
        'tasks, in order:',
        '  1. migrate',
        `     cwd       ${f}/packages/twenty-server`,
        '     run       yarn typeorm migration:run',
        '     env       NODE_ENV, POSTGRES_PASSWORD',
        `     requires  ${f}/packages/twenty-server/package.json`,
        '     from      design-example.yaml:12:5 tasks[0]',
        '     then      time limit 5m, 2 retries 3s apart, must succeed',
        '',
        'services, by dependency level (each starts once those it comes after are ready; one level starts side by side; stopping goes the other way):',
        '  level 1  php-fpm, app',
        '  level 2  nginx',
        '',
        '  1. php-fpm (preset php-fpm)',
        `     cwd       ${f}`,
        '     run       php-fpm8.2 -F',
        '     env       NODE_ENV, POSTGRES_PASSWORD',
        '     from      design-example.yaml:23:5 services.php-fpm',
        '     ready     unix:/var/run/php-fpm/php-fpm.sock, within 60s',
        '     stop      SIGQUIT, then SIGKILL after 8s',
        '     restart   never (its exit stops the container)',
        '     dir       /var/run/php-fpm (www-data, 0775)',
        '  2. nginx (preset nginx; after php-fpm)',
        `     cwd       ${f}`,
        "     run       nginx -g 'daemon off;'",
        '     env       NODE_ENV, POSTGRES_PASSWORD',
        '     from      design-example.yaml:27:5 services.nginx',
        '     ready     tcp:80, within 60s',
        '     stop      SIGQUIT, then SIGKILL after 8s',
        '     restart   never (its exit stops the container)',
        '  3. app (main)',
        `     cwd       ${f}`,
        '     run       yarn start',
        '     env       NODE_ENV, POSTGRES_PASSWORD',
        '     user      node',
        `     requires  ${f}/nx.json`,
        '     from      design-example.yaml:31:5 services.app',
        '     ready     http://127.0.0.1:3000/health, within 90s',
        '     stop      SIGTERM, then SIGKILL after 8s',
        '     restart   never (its exit stops the container)',
        '',
      ].join('\n'),
    );
  });

  it('--json holds no env value and no secret', () => {
    const json = planToJson(designPlan());
    const text = JSON.stringify(json);
    expect(text).not.toContain('pw-s3cret');
    expect(text).not.toContain('/root');
    expect(json).not.toHaveProperty('secretValues');
    expect(json.startOrder).toEqual(['php-fpm', 'nginx', 'app']);
    expect(json.levels).toEqual([['php-fpm', 'app'], ['nginx']]);
    expect(json.services[0]).toMatchObject({ name: 'php-fpm', argv: ['php-fpm8.2', '-F'], envKeys: ['NODE_ENV', 'POSTGRES_PASSWORD'], dirs: [{ path: '/var/run/php-fpm', owner: 'www-data', mode: '0775' }] });
    expect(json.services[0]).not.toHaveProperty('env');
  });

  it('a secret that found its way into an argv is shown as ***', () => {
    const dir = scratchDir('berth-format-');
    writeFileSync(path.join(dir, 'berth.yaml'), 'secrets: [PG]\nservices:\n  app:\n    command: psql --password=${PG}\n    ready: { exec: "check ${PG}" }');
    const env = { PG: 'hunter2' };
    const p = buildPlan(loadConfig(path.join(dir, 'berth.yaml'), env, { cwd: dir }), { baseDir: dir, env });
    expect(formatPlan(p)).toContain('run       psql --password=***');
    expect(formatPlan(p)).toContain('ready     exec: check ***, within 60s');
    expect(formatPlan(p)).not.toContain('hunter2');
    expect(JSON.stringify(planToJson(p).services[0]!.argv)).toBe('["psql","--password=***"]');
  });

  it("an http probe's password is *** in the text and in --json; the probe itself keeps it", () => {
    const dir = scratchDir('berth-format-');
    const file = path.join(dir, 'berth.yaml');
    writeFileSync(file, 'services:\n  api:\n    command: [node, api.js]\n    ready: http://probe:hunter2-pw@127.0.0.1:8080/health\n    liveness: { probe: "http://probe:hunter2-pw@127.0.0.1:8080/live" }\n');
    const p = buildPlan(loadConfig(file, ENV, { cwd: dir }), { baseDir: dir, env: ENV, uid: 0 });
    expect(formatPlan(p)).toContain('http://probe:***@127.0.0.1:8080/health');
    expect(formatPlan(p)).not.toContain('hunter2');
    const json = planToJson(p).services[0]!;
    expect(json.ready).toEqual({ kind: 'http', url: 'http://probe:***@127.0.0.1:8080/health' });
    expect(json.liveness?.probe).toEqual({ kind: 'http', url: 'http://probe:***@127.0.0.1:8080/live' });
    expect(JSON.stringify(json)).not.toContain('hunter2');
    expect(p.services[0]!.ready).toEqual({ kind: 'http', url: 'http://probe:hunter2-pw@127.0.0.1:8080/health' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('says when there are no services and no config', () => {
    const text = formatPlan(buildPlan(undefined, { baseDir: '/srv', env: {}, cmdArgs: ['node', 'server.js'], uid: 1000 }));
    expect(text).toContain('config     (none: the command alone)');
    expect(text).toContain('ready file /tmp/berth-1000/ready');
    expect(text).toContain('tasks: none');
    expect(text).toContain('  1. node (main)');
  });
});

describe('findPhpFpm', () => {
  const bin = (names: string[]) => {
    const dir = scratchDir('berth-php-');
    for (const n of names) writeFileSync(path.join(dir, n), '', { mode: 0o755 });
    return dir;
  };

  it('prefers php-fpm, else the newest php-fpmX.Y, from the first PATH directory that has one', () => {
    const versioned = bin(['php-fpm7.4', 'php-fpm8.2', 'php-fpm8.10', 'php-fpm-helper']);
    const plain = bin(['php-fpm', 'php-fpm8.3']);
    const empty = bin([]);
    expect(findPhpFpm([empty, versioned, plain].join(':'), '/')).toBe('php-fpm8.10');
    expect(findPhpFpm([plain, versioned].join(':'), '/')).toBe('php-fpm');
    expect(findPhpFpm([empty, path.join(empty, 'missing')].join(':'), '/')).toBeUndefined();
    expect(findPhpFpm(undefined, '/')).toBeUndefined();
  });

  it('names the program the preflight checks: one rule, and only an executable counts', () => {
    const older = bin(['php-fpm7.4']);
    const newer = bin(['php-fpm8.2']);
    const notRunnable = bin([]);
    writeFileSync(path.join(notRunnable, 'php-fpm9.0'), '', { mode: 0o644 });
    for (const PATH of [[older, newer].join(':'), [notRunnable, newer].join(':')]) {
      const planned = findPhpFpm(PATH, '/');
      expect(resolvePresetArgv('php-fpm', ['php-fpm', '-F'], PATH, '/')).toEqual([planned, '-F']);
    }
    expect(findPhpFpm([older, newer].join(':'), '/')).toBe('php-fpm7.4'); // PATH's order, as execvp
    expect(findPhpFpm([notRunnable, newer].join(':'), '/')).toBe('php-fpm8.2');
  });

  it('resolves a relative PATH directory against the service cwd, as the child will', () => {
    const dir = bin(['php-fpm8.3']);
    expect(findPhpFpm('.', dir)).toBe('php-fpm8.3');
    expect(findPhpFpm('.', path.dirname(dir))).toBeUndefined();
  });

  it('is what the php-fpm preset runs', () => {
    const dir = bin(['php-fpm8.1']);
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'berth.yaml'), 'services:\n  php:\n    preset: php-fpm');
    const p = buildPlan(loadConfig(path.join(dir, 'conf', 'berth.yaml'), {}, { cwd: dir }), { baseDir: dir, env: { PATH: dir } });
    expect(p.services[0]!.argv).toEqual(['php-fpm8.1', '-F']);
  });
});
