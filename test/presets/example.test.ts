// examples/php-nginx stays what its README says: the two php-fpm.d layouts of the official
// image, differing only where the images differ, and one socket path on both sides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE } from '../fixtures/presets/example.js';

const read = (p: string) => readFileSync(join(EXAMPLE, p), 'utf8');

describe('examples/php-nginx', () => {
  it('shares php-fpm.conf and the www pool between the good and the incident variant', () => {
    expect(read('incident/etc/php-fpm.conf')).toBe(read('etc/php-fpm.conf'));
    expect(read('incident/etc/php-fpm.d/www.conf')).toBe(read('etc/php-fpm.d/www.conf'));
  });

  it("has today's official layout (listen = 9000 first, in docker.conf) and the older one (last, in zz-docker.conf)", () => {
    expect(read('etc/php-fpm.d/docker.conf').trimEnd().split('\n').pop()).toBe('listen = 9000');
    expect(read('etc/php-fpm.d/zz-docker.conf')).not.toMatch(/^listen/m);
    expect(read('incident/etc/php-fpm.d/zz-docker.conf').split('\n')[4]).toBe('listen = 9000');
    expect(read('incident/etc/php-fpm.d/docker.conf')).not.toMatch(/^listen/m);
  });

  it('points nginx at the socket the www pool listens on', () => {
    const socket = /^listen = (.+)$/m.exec(read('etc/php-fpm.d/www.conf'))![1];
    expect(read('nginx/nginx.conf')).toContain(`fastcgi_pass unix:${socket};`);
  });

  it('runs both programs through their presets, with no hand-written after:, ready: on php-fpm or stopSignal:', () => {
    for (const file of ['berth.yaml', 'incident/berth.yaml']) {
      const services = (parse(read(file)) as { services: Record<string, Record<string, unknown>> }).services;
      expect(Object.fromEntries(Object.entries(services).map(([n, s]) => [n, s.preset]))).toEqual({ 'php-fpm': 'php-fpm', nginx: 'nginx' });
      expect(services['php-fpm']).not.toHaveProperty('ready');
      for (const s of Object.values(services)) {
        expect(s).not.toHaveProperty('after');
        expect(s).not.toHaveProperty('stopSignal');
      }
    }
  });
});
