// The supervisord move of issue 2/7: a queue worker that needs 5 s to finish its job beside
// nginx and php-fpm, shutdownTimeout 9s. They stop side by side, each within its own
// stopTimeout: the request in flight through nginx to php-fpm is answered, the worker
// finishes, nobody is SIGKILLed, berth exits 0. (One after another, the worker's 5 s ate
// the budget and nginx/php-fpm were killed: 137.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { YAMLMap } from 'yaml';
import { FIXTURES } from '../helpers/berth.js';
import { binaries, editYaml, fleet, httpGet, prepareExample, timeOf, type Example } from '../fixtures/presets/php-nginx.js';
import { exitWithin } from '../helpers/exit.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';

describe.skipIf(binaries.missing)(`stopping php-fpm, nginx and a worker${skipped}`, () => {
  const berths = fleet();
  const copies: Example[] = [];
  afterEach(async () => {
    await berths.cleanup();
    copies.splice(0).forEach((ex) => ex.remove());
  });

  it('a worker needing 5 s leaves nginx and php-fpm their graceful stop: the slow request is answered, exit 0', async () => {
    const ex = await prepareExample();
    copies.push(ex);
    const cfg = join(ex.dir, 'berth.yaml');
    editYaml(cfg, (doc) => {
      doc.set('shutdownTimeout', '9s');
      doc.setIn(['services', 'nginx', 'stopTimeout'], '6s');
      doc.setIn(['services', 'php-fpm', 'stopTimeout'], '3s');
      // written first, so the old reverse-start-order stop took it last
      const worker = doc.createPair('worker', { command: [process.execPath, join(FIXTURES, 'faults/slow-stop.mjs'), '5000'], stopTimeout: '8s' });
      (doc.get('services') as YAMLMap).items.unshift(worker);
    });
    const fpmConf = join(ex.dir, 'etc/php-fpm.conf');
    writeFileSync(fpmConf, readFileSync(fpmConf, 'utf8').replace(/^process_control_timeout = .*$/m, 'process_control_timeout = 2s'));
    writeFileSync(join(ex.dir, 'public/slow.php'), '<?php\nerror_log("slow request started");\nsleep(5);\necho "slow done\\n";\n');

    const b = berths.start(ex.args(), ex.env);
    await b.waitForEvent('ready', {}, 30_000);
    await b.waitFor((l) => l.service === 'worker' && String(l.msg).startsWith('slow-stop pid'));
    const slow = httpGet(`http://127.0.0.1:${ex.port}/slow.php`, 20_000);
    await b.waitFor((l) => l.service === 'php-fpm' && String(l.msg).includes('slow request started'), 20_000, 'the slow request to reach php-fpm');
    b.kill('SIGTERM');

    expect(await slow).toEqual({ status: 200, body: 'slow done\n' });
    expect(await exitWithin(b, 20_000)).toEqual({ code: 0, signal: null });
    expect(b.events('service.kill')).toEqual([]);
    const at = (event: string, service: string) => b.events(event).find((l) => l.service === service)!;
    expect(Math.abs(timeOf(at('service.stop', 'worker')) - timeOf(at('service.stop', 'nginx')))).toBeLessThan(300);
    expect(timeOf(at('service.stop', 'php-fpm'))).toBeGreaterThanOrEqual(timeOf(at('service.exit', 'nginx')));
    expect(b.events('service.exit').map((l) => [l.service, l.status, l.killed]).sort()).toEqual([
      ['nginx', 0, false],
      ['php-fpm', 0, false],
      ['worker', 0, false],
    ]);
    expect(Number(b.events('shutdown.done')[0]!.durationMs)).toBeLessThan(9_000);
  });
});
