// The incident written as supervisord had it: php-fpm and nginx as plain commands, no presets.
// berth cannot check what the presets would, and says so before it starts anything, naming
// the preset and what it would have caught (issue 2/7, item 6).
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBerth } from '../helpers/berth.js';
import { binaries, prepareExample, type Example } from '../fixtures/presets/php-nginx.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';

describe.skipIf(binaries.missing)(`php-fpm and nginx without their presets${skipped}`, () => {
  const copies: Example[] = [];
  afterEach(() => copies.splice(0).forEach((ex) => ex.remove()));

  it('berth check passes but warns for each, naming the preset and what it checks', async () => {
    const ex = await prepareExample();
    copies.push(ex);
    const config = join(ex.dir, 'plain.yaml');
    writeFileSync(config, [
      'services:',
      '  php-fpm:',
      `    command: [${basename(binaries.fpm!)}, -F, -p, ${ex.dir}/incident]`,
      '    stopSignal: SIGQUIT',
      '    stopTimeout: 4s',
      '  web:',
      `    command: "exec nginx -p ${ex.dir}/ -c nginx/nginx.conf -g 'daemon off;'"`,
      '    shell: true',
      '    after: [php-fpm]',
      '    stopTimeout: 4s',
      '',
    ].join('\n'));
    const r = await runBerth(['check', '-c', config], { env: ex.env });
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^warning: php-fpm: runs ${basename(binaries.fpm!).replace('.', '\\.')} without \`preset: php-fpm\`, so berth checks nothing of its configuration; the preset runs php-fpm -tt first, checks that the ready target is a socket or port a pool really listens on`)),
      expect.stringMatching(/^warning: web: runs nginx without `preset: nginx`, so berth checks nothing of its configuration; the preset runs nginx -t first, checks that every fastcgi_pass\/proxy_pass target/),
    ]);

    const json = await runBerth(['check', '--json', '-c', config], { env: ex.env });
    expect((JSON.parse(json.stdout) as { warnings: { name: string }[] }).warnings.map((w) => w.name)).toEqual(['php-fpm', 'web']);
  });
});
