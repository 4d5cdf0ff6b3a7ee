// inspectPresets against the real `php-fpm -tt` and `nginx -T`, on examples/php-nginx copied
// to a temp directory, and on small configs written for one case each.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath, findPhpFpmProgram } from '../../src/os/path-search.js';
import { inspectPresets } from '../../src/presets/index.js';
import type { ServicePlan } from '../../src/types.js';
import { copyExample, service, servicesOf, writeTree, type ExampleCopy } from '../fixtures/presets/example.js';

const PATH = process.env.PATH ?? '';
const fpmBin = findOnPath('php-fpm', PATH, '/') ?? findPhpFpmProgram(PATH, '/');
const missing = [fpmBin ? '' : 'php-fpm (or php-fpmX.Y)', findOnPath('nginx', PATH, '/') ? '' : 'nginx'].filter(Boolean);
const skipped = missing.length > 0 ? ` — SKIPPED: ${missing.join(' and ')} not on PATH (apt-get install php8.2-fpm nginx-light)` : '';

const byName = (services: ServicePlan[], name: string) => services.find((s) => s.name === name)!;

describe.skipIf(missing.length > 0)(`inspectPresets on examples/php-nginx${skipped}`, () => {
  let ex: ExampleCopy;
  let env: Record<string, string>;
  beforeAll(() => {
    ex = copyExample({ port: 18080 });
    env = { PATH, BERTH_EXAMPLE_DIR: ex.dir };
  });
  afterAll(() => ex.remove());

  it('passes the good config, infers nginx after php-fpm and probes php-fpm on its socket', async () => {
    const r = await inspectPresets(servicesOf(join(ex.dir, 'berth.yaml'), env));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    const fpm = byName(r.services, 'php-fpm');
    expect(fpm.argv[0]).toMatch(/^php-fpm(\d+\.\d+)?$/);
    expect(fpm.argv.slice(1)).toEqual(['-F', '-p', ex.dir]);
    expect(fpm.stopSignal).toBe('SIGQUIT');
    expect(fpm.ready).toEqual({ kind: 'unix', path: ex.socket });
    expect(fpm.dirs).toEqual([{ path: dirname(ex.socket) }]);
    const nginx = byName(r.services, 'nginx');
    expect(nginx.after).toEqual(['php-fpm']);
    expect(nginx.ready).toEqual({ kind: 'tcp', port: 18080 });
  });

  it('fails the incident config, naming zz-docker.conf (which wins) and www.conf (which lost)', async () => {
    const r = await inspectPresets(servicesOf(join(ex.dir, 'incident/berth.yaml'), env));
    const fpmd = join(ex.dir, 'incident/etc/php-fpm.d');
    expect(r.problems).toEqual([
      {
        service: 'nginx',
        path: 'services.nginx',
        message: `nginx passes PHP requests to unix:${ex.socket} (${join(ex.dir, 'nginx/nginx.conf')}:33) but php-fpm listens on 9000 (set by ${fpmd}/zz-docker.conf:5, overriding www.conf:6); no service serves that socket`,
      },
    ]);
    expect(byName(r.services, 'php-fpm').ready).toEqual({ kind: 'tcp', port: 9000 });
    expect(byName(r.services, 'php-fpm').dirs).toEqual([]);
    expect(byName(r.services, 'nginx').after).toEqual([]);
  });

  it("fails a php-fpm ready: that is not what the pools listen on, naming the file that set the winner", async () => {
    const services = servicesOf(join(ex.dir, 'incident/berth.yaml'), env).map((s) => (s.name === 'php-fpm' ? { ...s, ready: { kind: 'unix' as const, path: ex.socket } } : s));
    const r = await inspectPresets(services);
    const fpmd = join(ex.dir, 'incident/etc/php-fpm.d');
    expect(r.problems.find((p) => p.service === 'php-fpm')).toEqual({
      service: 'php-fpm',
      path: 'services.php-fpm.ready',
      message: `php-fpm listens on 9000 (set by ${fpmd}/zz-docker.conf:5, overriding www.conf:6), not on unix:${ex.socket}`,
    });
    expect(r.problems.map((p) => p.path)).toEqual(['services.php-fpm.ready', 'services.nginx']);
  });

  it("warns when nginx's workers may not connect to the socket (nginx's default user, nobody)", async () => {
    const conf = join(ex.dir, 'nginx/nginx.conf');
    const original = readFileSync(conf, 'utf8');
    writeFileSync(conf, original.replace(/^user www-data;.*$/m, ''));
    try {
      const r = await inspectPresets(servicesOf(join(ex.dir, 'berth.yaml'), env));
      expect(r.problems).toEqual([]);
      expect(r.warnings.map((w) => w.message)).toEqual([
        `nginx's workers run as nobody (nginx's default) but php-fpm's socket unix:${ex.socket} will be www-data:www-data mode 0660 (pool www's listen.owner, listen.group, listen.mode), so nginx cannot connect to it and answers 502; set listen.owner and listen.group to nobody, or nginx's user to the socket's owner`,
      ]);
    } finally {
      writeFileSync(conf, original);
    }
  });

  it('checks a fastcgi probe against the pool ping page', async () => {
    const ok = servicesOf(join(ex.dir, 'berth.yaml'), env).map((s) => (s.name === 'php-fpm' ? { ...s, ready: { kind: 'fastcgi' as const, address: `unix:${ex.socket}`, path: '/ping' } } : s));
    expect((await inspectPresets(ok)).problems).toEqual([]);
    const wrong = ok.map((s) => (s.name === 'php-fpm' ? { ...s, ready: { kind: 'fastcgi' as const, address: `unix:${ex.socket}`, path: '/health' } } : s));
    expect((await inspectPresets(wrong)).problems).toEqual([
      { service: 'php-fpm', path: 'services.php-fpm.ready', message: 'the fastcgi probe asks for /health, but pool www answers its ping at /ping' },
    ]);
  });
});

describe.skipIf(missing.length > 0)(`inspectPresets on configs written for one case${skipped}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-presets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pool = (listen: string) => `[www]\nuser = www-data\nlisten = ${listen}\npm = static\npm.max_children = 1\n`;

  it('flags a php-fpm that would daemonize, and a process_control_timeout of 0', async () => {
    writeTree(dir, { 'd1/etc/php-fpm.conf': `[global]\nerror_log = /proc/self/fd/2\n${pool('/tmp/berth-d1.sock')}` });
    const r = await inspectPresets([service({ name: 'fpm', preset: 'php-fpm', argv: ['php-fpm', '-p', join(dir, 'd1')] })]);
    expect(r.problems).toEqual([
      { service: 'fpm', path: 'services.fpm.command', message: "php-fpm would daemonize (daemonize = yes, php-fpm's default) and the command has no -F, so berth would see it exit at once; add -F to the command" },
    ]);
    expect(r.warnings).toEqual([
      { service: 'fpm', message: `process_control_timeout is 0 (php-fpm's default), so a graceful stop (SIGQUIT) does not wait for requests in progress; set process_control_timeout = 7s under [global] in ${join(dir, 'd1/etc/php-fpm.conf')}, below stopTimeout (8s)` },
    ]);
  });

  it("reports php-fpm -tt's own reason for refusing a config", async () => {
    writeTree(dir, { 'd2/fpm.conf': `[global]\nlisten = 9000\n${pool('9000')}` });
    const r = await inspectPresets([service({ name: 'fpm', preset: 'php-fpm', cwd: dir, argv: ['php-fpm', '-F', '-y', 'd2/fpm.conf'] })]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ path: 'services.fpm.command' });
    expect(r.problems[0]!.message).toMatch(/^php-fpm rejects its configuration: \[d2\/fpm.conf:2\] unknown entry 'listen'.* \(php-fpm\S* -y d2\/fpm.conf -tt\)$/);
  });

  it('reads -y relative to the cwd, and falls back to its own reading when log_level hides the dump', async () => {
    writeTree(dir, { 'd3/fpm.conf': `[global]\nlog_level = error\ndaemonize = no\nprocess_control_timeout = 5s\ninclude = ${join(dir, 'd3/pools')}/*.conf\n`, 'd3/pools/a.conf': pool('/tmp/berth-d3.sock'), 'd3/pools/b.conf': '[www]\nlisten = 127.0.0.1:19001\n' });
    const r = await inspectPresets([service({ name: 'fpm', preset: 'php-fpm', cwd: join(dir, 'd3'), argv: ['php-fpm', '-y', 'fpm.conf'], ready: { kind: 'unix', path: '/tmp/berth-d3.sock' } })]);
    expect(r.problems).toEqual([
      { service: 'fpm', path: 'services.fpm.ready', message: `php-fpm listens on 127.0.0.1:19001 (set by ${join(dir, 'd3/pools/b.conf')}:2, overriding a.conf:3), not on unix:/tmp/berth-d3.sock` },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('passes on what php-fpm and nginx accept but warn about', async () => {
    writeTree(dir, {
      'd4/etc/php-fpm.conf': `[global]\nerror_log = /proc/self/fd/2\ninclude=etc/missing.d/*.conf\n${pool('/tmp/berth-d4.sock')}`,
      'd4/etc/missing.d/www.conf.disabled': '',
      'n4/nginx.conf': 'error_log stderr;\nevents {}\nhttp {\n  server { listen 127.0.0.1:18092; server_name a; }\n  server { listen 127.0.0.1:18092; server_name a; }\n}\n',
    });
    const r = await inspectPresets([
      service({ name: 'fpm', preset: 'php-fpm', argv: ['php-fpm', '-F', '-p', join(dir, 'd4')] }),
      service({ name: 'web', preset: 'nginx', argv: ['nginx', '-c', join(dir, 'n4/nginx.conf'), '-g', 'daemon off;'] }),
    ]);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => `${w.service}: ${w.message}`)).toEqual([
      `fpm: php-fpm warns: Nothing matches the include pattern '${join(dir, 'd4')}/etc/missing.d/*.conf' from ${join(dir, 'd4')}/etc/php-fpm.conf at line 3.`,
      expect.stringMatching(/^fpm: process_control_timeout is 0/),
      `web: nginx warns: [warn] conflicting server name "a" on 127.0.0.1:18092, ignored`,
    ]);
  });

  it('flags nginx with daemon on and no -g, and reports nginx -t errors with file and line', async () => {
    writeTree(dir, {
      'n1/nginx.conf': 'daemon on;\nerror_log stderr;\nevents {}\nhttp { server { listen 127.0.0.1:18090; } }\n',
      'n2/nginx.conf': 'error_log stderr;\nevents {}\nhttp {\n  server { bogus_directive on; }\n}\n',
    });
    const on = await inspectPresets([service({ name: 'web', preset: 'nginx', argv: ['nginx', '-c', join(dir, 'n1/nginx.conf')] })]);
    expect(on.problems).toEqual([
      { service: 'web', path: 'services.web.command', message: `nginx would daemonize: \`daemon on;\` (${join(dir, 'n1/nginx.conf')}:1) and the command lacks -g 'daemon off;', so berth would see it exit at once; add -g 'daemon off;' to the command and remove the daemon directive` },
    ]);
    const bad = await inspectPresets([service({ name: 'web', preset: 'nginx', argv: ['nginx', '-c', join(dir, 'n2/nginx.conf'), '-g', 'daemon off;'] })]);
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]!.message).toContain(`nginx rejects its configuration: [emerg] unknown directive "bogus_directive" in ${join(dir, 'n2/nginx.conf')}:4`);
  });

  it("checks nginx's own ready: against its listen", async () => {
    writeTree(dir, { 'n3/nginx.conf': 'error_log stderr;\nevents {}\nhttp { server { listen 127.0.0.1:18091; } }\n' });
    const r = await inspectPresets([service({ name: 'web', preset: 'nginx', argv: ['nginx', '-c', join(dir, 'n3/nginx.conf'), '-g', 'daemon off;'], ready: { kind: 'tcp', port: 80 } })]);
    expect(r.problems).toEqual([{ service: 'web', path: 'services.web.ready', message: `nginx listens on 127.0.0.1:18091 (${join(dir, 'n3/nginx.conf')}:3), not on port 80` }]);
  });

  it('warns, and checks nothing, when the command is a wrapper and not the program itself', async () => {
    const r = await inspectPresets([service({ name: 'fpm', preset: 'php-fpm', argv: ['docker-php-entrypoint', 'php-fpm'] })]);
    expect(r.problems).toEqual([]);
    expect(r.warnings[0]!.message).toMatch(/runs docker-php-entrypoint, not php-fpm itself/);
  });
});

describe('inspectPresets, php-fpm -tt against berth’s own reading', () => {
  // a stand-in for php-fpm: what its -tt would print, so the two can disagree on purpose
  const dir = mkdtempSync(join(tmpdir(), 'berth-presets-fake-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeTree(dir, { 'etc/php-fpm.conf': '[www]\nlisten = /run/mine.sock\n', 'bin/php-fpm': '#!/bin/sh\n' });
  chmodSync(join(dir, 'bin/php-fpm'), 0o755);
  const stderr = (listen: string) =>
    [`[global]`, `\tdaemonize = no`, `\tprocess_control_timeout = 5s`, `[www]`, `\tlisten = ${listen}`, `configuration file ${dir}/etc/php-fpm.conf test is successful`]
      .map((l) => `[22-Nov-2026 10:00:00] NOTICE: ${l}`)
      .join('\n');
  const fake = (listen: string) => async () => ({ exitCode: 0, signal: undefined, stdout: '', stderr: stderr(listen) });
  const fpm = service({ name: 'php-fpm', preset: 'php-fpm', env: { PATH: join(dir, 'bin') }, argv: ['php-fpm', '-F', '-p', dir], ready: { kind: 'unix', path: '/run/x.sock' } });

  it('names the file and line when both agree', async () => {
    const r = await inspectPresets([fpm], { run: fake('/run/mine.sock') });
    expect(r.problems[0]!.message).toBe(`php-fpm listens on unix:/run/mine.sock (set by ${dir}/etc/php-fpm.conf:2), not on unix:/run/x.sock`);
  });

  it("trusts php-fpm's value, and says so, when they differ", async () => {
    const r = await inspectPresets([fpm], { run: fake('/run/theirs.sock') });
    expect(r.problems[0]!.message).toBe('php-fpm listens on unix:/run/theirs.sock (as php-fpm -tt reports it), not on unix:/run/x.sock');
    expect(r.warnings).toEqual([{ service: 'php-fpm', message: `berth reads pool www's listen as /run/mine.sock (${dir}/etc/php-fpm.conf:2) but php-fpm -tt says /run/theirs.sock; trusting php-fpm` }]);
  });
});

describe("php-fpm's compiled-in prefix, for berth's reading of relative includes", () => {
  // the official image's layout: php-fpm.conf includes etc/php-fpm.d/*.conf, relative to the
  // prefix php-fpm was built with (/usr/local), which is where the binary itself lives
  const root = mkdtempSync(join(tmpdir(), 'berth-presets-prefix-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const prefix = join(root, 'usr/local');
  writeTree(prefix, {
    'etc/php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
    'etc/php-fpm.d/www.conf': '[www]\nlisten = 127.0.0.1:9000\n',
    'etc/php-fpm.d/zz-docker.conf': '[www]\nlisten = 9000\n',
    'sbin/php-fpm': '#!/bin/sh\n',
  });
  writeTree(root, { 'elsewhere/bin/php-fpm': '#!/bin/sh\n' });
  chmodSync(join(prefix, 'sbin/php-fpm'), 0o755);
  chmodSync(join(root, 'elsewhere/bin/php-fpm'), 0o755);
  const stderr = [`[www]`, `\tlisten = 9000`, `configuration file ${prefix}/etc/php-fpm.conf test is successful`].map((l) => `[22-Nov-2026 10:00:00] NOTICE: ${l}`).join('\n');
  const recording = () => {
    const asked: string[][] = [];
    const run = async (argv: string[]) => {
      asked.push(argv.slice(1));
      return { exitCode: 0, signal: undefined, stdout: argv[1] === '-h' ? `  -p, --prefix path\n                   Specify alternative prefix path to FastCGI process manager (default: ${prefix}).\n` : '', stderr: argv[1] === '-h' ? '' : stderr };
    };
    return { asked, run };
  };
  const fpm = (binDir: string) => service({ name: 'php-fpm', preset: 'php-fpm', env: { PATH: binDir }, argv: ['php-fpm', '-F'], ready: { kind: 'tcp', port: 9001 } });
  const zz = `php-fpm listens on 9000 (set by ${prefix}/etc/php-fpm.d/zz-docker.conf:2, overriding www.conf:2), not on tcp:9001`;

  it('takes the binary’s install prefix when the reading with it agrees with -tt, and runs php-fpm once', async () => {
    const { asked, run } = recording();
    const r = await inspectPresets([fpm(join(prefix, 'sbin'))], { run });
    expect(asked).toEqual([['-tt']]);
    expect(r.problems.map((p) => p.message)).toEqual([zz]);
  });

  it('asks php-fpm -h for the prefix it was built with when the binary lives elsewhere', async () => {
    const { asked, run } = recording();
    const r = await inspectPresets([fpm(join(root, 'elsewhere/bin'))], { run });
    expect(asked).toEqual([['-tt'], ['-h']]);
    expect(r.problems.map((p) => p.message)).toEqual([zz]);
    expect(r.warnings.filter((w) => w.message.includes('berth reads'))).toEqual([]);
  });
});
