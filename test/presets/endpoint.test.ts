import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalPath, endpointProbe, formatEndpoint, isLocal, parseFpmListen, probeEndpoint, serves } from '../../src/presets/endpoint.js';

describe('parseFpmListen', () => {
  it("follows php-fpm's rule: a colon or digits only is TCP, anything else a socket path", () => {
    expect(parseFpmListen('9000', '/usr')).toEqual({ kind: 'tcp', port: 9000 });
    expect(parseFpmListen('127.0.0.1:9000', '/usr')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseFpmListen('[::]:9000', '/usr')).toEqual({ kind: 'tcp', port: 9000 });
    expect(parseFpmListen('[::1]:9000', '/usr')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    expect(parseFpmListen('/run/php/fpm.sock', '/usr')).toEqual({ kind: 'unix', path: '/run/php/fpm.sock' });
    expect(parseFpmListen('var/run/fpm.sock', '/srv')).toEqual({ kind: 'unix', path: '/srv/var/run/fpm.sock' });
  });
});

describe('serves', () => {
  const same = (p: string) => p;
  it('matches a socket by path', () => {
    expect(serves({ kind: 'unix', path: '/run/a.sock' }, { kind: 'unix', path: '/run/a.sock' }, same)).toBe(true);
    expect(serves({ kind: 'unix', path: '/run/a.sock' }, { kind: 'tcp', port: 9000 }, same)).toBe(false);
  });

  it('matches a port on every address, or on the same host (localhost being loopback)', () => {
    expect(serves({ kind: 'tcp', port: 9000 }, { kind: 'tcp', host: '127.0.0.1', port: 9000 })).toBe(true);
    expect(serves({ kind: 'tcp', host: '127.0.0.1', port: 9000 }, { kind: 'tcp', host: 'localhost', port: 9000 })).toBe(true);
    expect(serves({ kind: 'tcp', host: '127.0.0.1', port: 9000 }, { kind: 'tcp', host: '::1', port: 9000 })).toBe(false);
    expect(serves({ kind: 'tcp', port: 9000 }, { kind: 'tcp', port: 9001 })).toBe(false);
  });

  it('sees /var/run/x.sock and /run/x.sock as one socket when /var/run links to /run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-endpoint-'));
    try {
      mkdirSync(join(dir, 'run'));
      mkdirSync(join(dir, 'var'));
      symlinkSync('../run', join(dir, 'var/run'));
      expect(canonicalPath(join(dir, 'var/run/x.sock'))).toBe(canonicalPath(join(dir, 'run/x.sock')));
      expect(serves({ kind: 'unix', path: join(dir, 'run/x.sock') }, { kind: 'unix', path: join(dir, 'var/run/x.sock') })).toBe(true);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('probes and addresses', () => {
  it('takes the endpoint of the probes that have one', () => {
    expect(probeEndpoint({ kind: 'unix', path: 'run/a.sock' }, '/srv')).toEqual({ kind: 'unix', path: '/srv/run/a.sock' });
    expect(probeEndpoint({ kind: 'tcp', host: '0.0.0.0', port: 80 }, '/')).toEqual({ kind: 'tcp', port: 80 });
    expect(probeEndpoint({ kind: 'http', url: 'http://127.0.0.1/health' }, '/')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 80 });
    expect(probeEndpoint({ kind: 'fastcgi', address: 'unix:/run/fpm.sock', path: '/ping' }, '/')).toEqual({ kind: 'unix', path: '/run/fpm.sock' });
    expect(probeEndpoint({ kind: 'fastcgi', address: '127.0.0.1:9000', path: '/ping' }, '/')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(probeEndpoint({ kind: 'file', path: '/x' }, '/')).toBeUndefined();
  });

  it('turns a listen address into the probe berth waits on', () => {
    expect(endpointProbe({ kind: 'unix', path: '/run/a.sock' })).toEqual({ kind: 'unix', path: '/run/a.sock' });
    expect(endpointProbe({ kind: 'tcp', host: '127.0.0.1', port: 9000 })).toEqual({ kind: 'tcp', port: 9000 });
  });

  it('formats and classifies', () => {
    expect(formatEndpoint({ kind: 'tcp', port: 9000 })).toBe('9000');
    expect(formatEndpoint({ kind: 'tcp', host: '::1', port: 9000 })).toBe('[::1]:9000');
    expect(isLocal({ kind: 'tcp', host: '127.0.0.2', port: 1 })).toBe(true);
    expect(isLocal({ kind: 'tcp', host: 'db', port: 5432 })).toBe(false);
  });
});
