import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dumped, fpmErrors, parseFpmDump } from '../../src/presets/php-fpm/dump.js';

// real `php-fpm8.2 -tt` output for examples/php-nginx/incident; error_log = /proc/self/fd/2
// makes every line appear twice
const INCIDENT = readFileSync(new URL('../fixtures/presets/php-fpm-tt-incident.txt', import.meta.url), 'utf8');

describe('parseFpmDump', () => {
  it('reads the global section, each pool, and the config file tested', () => {
    const d = parseFpmDump(INCIDENT);
    expect([...d.pools.keys()]).toEqual(['www']);
    expect(dumped(d.pools.get('www'), 'listen')).toBe('9000');
    expect(dumped(d.pools.get('www'), 'listen.mode')).toBe('0660');
    expect(dumped(d.pools.get('www'), 'ping.path')).toBe('/ping');
    expect(dumped(d.pools.get('www'), 'ping.response')).toBe('pong');
    expect(dumped(d.pools.get('www'), 'pm.status_path')).toBeUndefined();
    expect(dumped(d.global, 'daemonize')).toBe('no');
    expect(dumped(d.global, 'process_control_timeout')).toBe('7s');
    expect(d.configFile).toBe('/srv/php-nginx/incident/etc/php-fpm.conf');
  });

  it('finds nothing when log_level hides the dump', () => {
    const d = parseFpmDump('');
    expect(d.pools.size).toBe(0);
    expect(d.configFile).toBeUndefined();
  });
});

describe('fpmErrors', () => {
  it('gives the reasons once each, without timestamps and the generic last line', () => {
    const stderr = [
      "[22-Nov-2026 04:20:24] ERROR: [etc/php-fpm.conf:6] unknown entry 'daemonize'",
      "[22-Nov-2026 04:20:24] ERROR: [etc/php-fpm.conf:6] unknown entry 'daemonize'",
      "[22-Nov-2026 04:20:24] ERROR: failed to load configuration file 'etc/php-fpm.conf'",
      '[22-Nov-2026 04:20:24] ERROR: FPM initialization failed',
    ].join('\n');
    expect(fpmErrors(stderr)).toEqual(["[etc/php-fpm.conf:6] unknown entry 'daemonize'", "failed to load configuration file 'etc/php-fpm.conf'"]);
  });
});
