// The 502 Bad Gateway of the incident (seeds/000): a later pool file, zz-docker.conf, overrides
// the socket www.conf asked for with `listen = 9000`. With the presets berth refuses to start and
// names both files; with plain commands it waits for the socket, then says what php-fpm listens on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBerth } from '../helpers/berth.js';
import { binaries, editYaml, fleet, prepareExample, type Example } from '../fixtures/presets/php-nginx.js';
import { exitWithin } from '../helpers/exit.js';
import { freePort } from '../helpers/net.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';
if (binaries.missing) console.warn(`skipping the php-nginx incident end-to-end tests: ${binaries.missing}`);

describe.skipIf(binaries.missing)(`examples/php-nginx/incident: zz-docker.conf overrides www.conf's listen${skipped}`, () => {
  const berths = fleet();
  const copies: Example[] = [];
  const example = async () => {
    const ex = await prepareExample();
    copies.push(ex);
    return ex;
  };
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });

  /** what berth says about the incident, as the README shows it */
  const nginxProblem = (ex: Example) =>
    `nginx: services.nginx: nginx passes PHP requests to unix:${ex.socket} (${join(ex.dir, 'nginx/nginx.conf')}:33) but php-fpm listens on 9000 (set by ${join(ex.dir, 'incident/etc/php-fpm.d/zz-docker.conf')}:5, overriding www.conf:6); no service serves that socket`;

  it('refuses to start: exit 78, naming zz-docker.conf (which wins) and www.conf (which lost), with nothing started', async () => {
    const ex = await example();
    const r = await runBerth(ex.args('incident/berth.yaml'), { env: ex.env });
    expect(r.code).toBe(78);
    const failed = r.events('preflight.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.problems).toEqual([nginxProblem(ex)]);
    expect(failed[0]!.msg).toBe(`preflight found 1 problem(s), nothing started:\n  ${nginxProblem(ex)}`);
    expect(failed[0]!.msg).toMatch(/zz-docker\.conf:5, overriding www\.conf:6/);
    expect(r.events('service.start')).toEqual([]);
    expect(r.stderr).toBe('');
  });

  it('berth check exits 78 and prints the same problem', async () => {
    const ex = await example();
    const r = await runBerth(['check', '-c', join(ex.dir, 'incident/berth.yaml')], { env: ex.env });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${nginxProblem(ex)}\nberth check: 1 problem(s); berth would refuse to start (exit 78)\n`);

    // php-fpm's own ready: naming the socket is checked too
    editYaml(join(ex.dir, 'incident/berth.yaml'), (doc) => doc.setIn(['services', 'php-fpm', 'ready'], `unix:${ex.socket}`));
    const both = await runBerth(['check', '-c', join(ex.dir, 'incident/berth.yaml')], { env: ex.env });
    expect(both.code).toBe(78);
    expect(both.stderr).toBe(
      [
        `error: php-fpm: services.php-fpm.ready: php-fpm listens on 9000 (set by ${join(ex.dir, 'incident/etc/php-fpm.d/zz-docker.conf')}:5, overriding www.conf:6), not on unix:${ex.socket}`,
        `error: ${nginxProblem(ex)}`,
        'berth check: 2 problem(s); berth would refuse to start (exit 78)',
        '',
      ].join('\n'),
    );
  });

  it("without the presets, times out on php-fpm's socket and says php-fpm listens on a port instead: exit 69", async () => {
    const ex = await example();
    // the incident's port, made free for this run (9000 may be taken on this machine)
    const fpmPort = await freePort();
    const zz = join(ex.dir, 'incident/etc/php-fpm.d/zz-docker.conf');
    writeFileSync(zz, readFileSync(zz, 'utf8').replace(/^listen = 9000$/m, `listen = ${fpmPort}`));
    // what the incident's supervisord ran, with the entrypoint script's socket directory
    mkdirSync(join(ex.dir, 'run/php-fpm'), { recursive: true });
    const config = join(ex.dir, 'plain.yaml');
    writeFileSync(
      config,
      [
        'services:',
        '  php-fpm:',
        `    command: [${basename(binaries.fpm!)}, -F, -p, ${ex.dir}/incident, -y, ${ex.dir}/incident/etc/php-fpm.conf]`,
        `    ready: unix:${ex.socket}`,
        '    readyTimeout: 5s',
        '    stopSignal: SIGQUIT',
        '  nginx:',
        `    command: [nginx, -p, ${ex.dir}/, -c, nginx/nginx.conf, -g, "daemon off;"]`,
        '    after: [php-fpm]',
        `    ready: tcp:${ex.port}`,
        '    stopSignal: SIGQUIT',
        '    main: true',
        '',
      ].join('\n'),
    );
    const b = berths.start(['-c', config, '--ready-file', ex.readyFile], ex.env);
    const fpm = await b.waitForEvent('service.start', { service: 'php-fpm' }, 30_000);
    const timeout = await b.waitForEvent('ready.timeout', { service: 'php-fpm' }, 30_000);
    expect(await exitWithin(b, 30_000)).toEqual({ code: 69, signal: null });

    const msg = String(timeout.msg);
    expect(msg).toMatch(/^php-fpm not ready after \d+(\.\d)?s: /);
    expect(timeout.waitedMs).toBeGreaterThanOrEqual(5_000);
    expect(msg).toContain(`unix:${ex.socket} does not exist (directory ${join(ex.dir, 'run/php-fpm')} exists`);
    // the real listener: php-fpm's master, on the port zz-docker.conf gave it
    expect(msg).toMatch(new RegExp(`php-fpm\\S* \\(pid ${fpm.pid}\\) listens on tcp6? \\S+:${fpmPort} — the service listens on a port while the probe waits for a socket$`));
    expect(timeout).toMatchObject({ probe: `unix:${ex.socket}`, target: { path: { path: ex.socket, exists: false } } });
    const master = (timeout.processes as { pid: number; listens: string[] }[]).find((p) => p.pid === fpm.pid);
    expect(master?.listens).toEqual([expect.stringMatching(new RegExp(`:${fpmPort}$`))]);
    expect(timeout.lastLines).toEqual(expect.arrayContaining([expect.stringMatching(/NOTICE: ready to handle connections/)]));

    // nginx never started; php-fpm was stopped gracefully
    expect(b.events('service.start').map((l) => l.service)).toEqual(['php-fpm']);
    expect(b.events('service.stop')).toEqual([expect.objectContaining({ service: 'php-fpm', signal: 'SIGQUIT' })]);
    expect(b.events('ready')).toEqual([]);
  });
});
