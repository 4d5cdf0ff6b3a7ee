// examples/php-laravel as a supervisord user would write it on day one: `berth check` passes
// with no warning (the stop chain fits shutdownTimeout), and `berth plan` shows the workers'
// restart: always with minUptime, forward: [], and the services by dependency level.
import { afterEach, describe, expect, it } from 'vitest';
import { runBerth } from '../helpers/berth.js';
import { binaries } from '../fixtures/presets/php-nginx.js';
import { copyLaravel, type LaravelCopy } from '../fixtures/php-laravel.js';

const skipped = binaries.missing ? ` — SKIPPED: ${binaries.missing}` : '';

describe.skipIf(binaries.missing)(`berth check and plan on examples/php-laravel${skipped}`, () => {
  const copies: LaravelCopy[] = [];
  afterEach(() => copies.splice(0).forEach((c) => c.remove()));

  it('check passes with no warning; plan shows the levels and the workers restart policy and signals', async () => {
    const ex = await copyLaravel();
    copies.push(ex);
    const check = await runBerth(['check', ...ex.args], { env: ex.env });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toBe('berth check: ok — 1 task(s), 3 service(s), 1 job(s); start: php-fpm + queue, then nginx\n');

    const plan = await runBerth(['plan', ...ex.args], { env: ex.env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('  level 1  php-fpm, queue\n  level 2  nginx\n');
    expect(plan.stdout).toContain('     restart   always, at most 5 times in 60s; a run of 10s or more restarts at once, not counted\n');
    expect(plan.stdout).toContain('     signals   none forwarded (forward: [])\n');
  });
});
