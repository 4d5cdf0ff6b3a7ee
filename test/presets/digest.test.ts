// The digest a reload compares to tell whether a preset's files changed (lifecycle/reload.ts).
import { describe, expect, it } from 'vitest';
import { configDigest } from '../../src/presets/digest.js';

describe('configDigest', () => {
  const conf = 'server {\n  listen 8080;\n  location ~ \\.php$ { fastcgi_pass unix:/run/php/php-fpm.sock; }\n}\n';

  it('is the same for the same text, and differs for a changed, swapped, added or removed character', () => {
    expect(configDigest(conf)).toBe(configDigest(`${conf}`));
    const changed = [conf.replace('8080', '8081'), conf.replace('8080', '0808'), `${conf} `, conf.slice(1), conf.replace('php-fpm', 'php_fpm'), ''];
    const digests = new Set([conf, ...changed].map(configDigest));
    expect(digests.size).toBe(changed.length + 1);
  });

  it('tells apart 100,000 texts that differ in one line', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(configDigest(`${conf}# ${i}\n`));
    expect(seen.size).toBe(100_000);
  });

  it('reads characters beyond Latin-1 as themselves', () => {
    expect(configDigest('root /srv/café;')).not.toBe(configDigest('root /srv/cafe;'));
    expect(configDigest('ā')).not.toBe(configDigest('ą'));
  });
});
