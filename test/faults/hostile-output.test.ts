// Hostile child output (issue 1/7, data half): whatever a child prints, berth stays up,
// relays it, keeps the child's JSON bytes and exits with the documented status.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { NODE, runBerth, tempDir, type Line } from '../helpers/berth.js';
import { fx } from '../helpers/faults.js';
import { request } from 'node:http';
import { binaries, fleet, prepareExample, type Example } from '../fixtures/presets/php-nginx.js';
import { presetLevelOf } from '../../src/presets/log-levels.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => (t = tempDir('berth-hostile-output-')));
afterAll(() => t.cleanup());
const env = () => ({ BERTH_READY_FILE: join(t.dir, `ready-${++n}`) });
const childLines = (lines: Line[]) => lines.filter((l) => l.stream === 'stdout' && l.service === 'app' && !l.event);

describe('a child can print anything', () => {
  it('deep JSON (20,000 levels, with service or stream), NULs, invalid UTF-8, a 200 KB line, no final newline: berth relays it and exits with the child’s code', async () => {
    const cfg = t.write('hostile.yaml', `services:\n  app: { command: [${NODE}, ${JSON.stringify(fx('hostile-lines.mjs'))}, '3'] }\n`);
    const r = await runBerth(['-c', cfg], { env: env(), timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/RangeError|internal error/);
    expect(r.code).toBe(3);
    expect(r.events('shutdown.done')).toEqual([expect.objectContaining({ status: 3 })]);
    // every stdout line is one JSON object
    expect(r.lines.filter((l) => 'raw' in l)).toEqual([]);
    const mine = childLines(r.lines);
    expect(mine[0]!.msg).toBe('before');
    expect(mine.at(-1)!.msg).toBe('no newline at the end');
    expect(mine.some((l) => l.msg === 'after')).toBe(true);
    expect(mine.some((l) => l.msg === 'nul\u0000in the middle')).toBe(true);
    // the deep lines keep their depth, and the child's stream/service survive under child.*
    const deep = r.lines.filter((l) => Array.isArray(l.deep));
    expect(deep).toHaveLength(2);
    expect(deep.map((l) => l['child.stream'] ?? l['child.service'])).toEqual(['child', 'child']);
  });

  it('the same in pretty format', async () => {
    const cfg = t.write('hostile-pretty.yaml', `log: { format: pretty }\nservices:\n  app: { command: [${NODE}, ${JSON.stringify(fx('hostile-lines.mjs'))}, '4'] }\n`);
    const r = await runBerth(['-c', cfg], { env: env(), timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/RangeError|internal error/);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('app | no newline at the end');
    expect(r.stdout).toMatch(/shutdown\.done (app )?status=4/);
  });
});

describe('pretty format', () => {
  it('a preflight error is printed once, not as a field and again in the message', async () => {
    const cfg = t.write('preflight-pretty.yaml', `services:\n  app: { command: [no-such-program-berth-test] }\n`);
    const r = await runBerth(['-c', cfg, '--log-format', 'pretty'], { env: env() });
    expect(r.code).toBe(127);
    expect(r.stdout.match(/no-such-program-berth-test" not found/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/ERROR preflight\.failed — preflight found 1 problem/);
  });
});

describe.skipIf(binaries.missing)('php-fpm and nginx: their error-log levels reach the json lines', () => {
  const berths = fleet();
  let ex: Example | undefined;
  afterEach(async () => {
    await berths.cleanup();
    ex?.remove();
  });

  it('nginx’s [error] (a body over client_max_body_size) is logged at error; php-fpm’s NOTICE at info', async () => {
    ex = await prepareExample();
    const b = berths.start(ex.args(), ex.env);
    await b.waitForEvent('ready', {}, 30_000);
    expect(await postTooLarge(ex.port)).toBe(413);
    const err = await b.waitFor((l) => l.service === 'nginx' && /\[error\].*too large body/.test(String(l.msg)), 20_000, "nginx's [error] line");
    expect(err.level).toBe('error');
    const notice = b.lines.find((l) => l.service === 'php-fpm' && /NOTICE: /.test(String(l.msg)));
    expect(notice?.level).toBe('info');
    const access = await b.waitFor((l) => l.service === 'nginx' && l.stream === 'stdout' && /POST \/upload/.test(String(l.msg)), 20_000, 'the access log line');
    expect(access.level).toBe('info');
  });

  it('the patterns: nginx’s eight levels, php-fpm’s five, and lines that only look alike', () => {
    const nginx = presetLevelOf('nginx')!;
    expect(nginx('2026/12/06 06:00:00 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream')).toBe('error');
    expect(nginx('2026/12/06 06:00:00 [warn] 7#7: conflicting server name')).toBe('warn');
    expect(nginx('2026/12/06 06:00:00 [crit] 7#7: *3 SSL_do_handshake() failed')).toBe('fatal');
    expect(nginx('2026/12/06 06:00:00 [notice] 1#1: signal process started')).toBe('info');
    expect(nginx('nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)')).toBe('fatal');
    expect(nginx('127.0.0.1 - - [06/Dec/2026:06:00:00 +0000] "GET /[error] HTTP/1.1" 404')).toBeUndefined();
    const fpm = presetLevelOf('php-fpm')!;
    expect(fpm('[06-Dec-2026 06:00:00] WARNING: [pool www] server reached pm.max_children setting (5)')).toBe('warn');
    expect(fpm('[06-Dec-2026 06:00:00] ERROR: unable to bind listening socket')).toBe('error');
    expect(fpm('[06-Dec-2026 06:00:00] NOTICE: fpm is running, pid 1')).toBe('info');
    expect(fpm('[06-Dec-2026 06:00:00] ALERT: oops')).toBe('fatal');
    expect(fpm('NOTICE: ready to handle connections')).toBe('info');
    expect(fpm('PHP message: ERROR: from the app')).toBeUndefined();
  });
});

/** A POST that announces 2 MB (nginx's limit is 1 MB): nginx answers 413 and logs an [error]. */
function postTooLarge(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { 'content-length': '2000000' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
