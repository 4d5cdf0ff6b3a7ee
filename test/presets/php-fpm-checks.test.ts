import { describe, expect, it } from 'vitest';
import { readFpmArgs } from '../../src/presets/command-args.js';
import { checkFpmFacts, defaultFpmProbe, describeListens, socketDirs } from '../../src/presets/php-fpm/checks.js';
import type { FpmFacts, FpmListen } from '../../src/presets/php-fpm/index.js';
import { service } from '../fixtures/presets/example.js';

const www: FpmListen = {
  pool: 'www',
  value: '/run/php/www.sock',
  endpoint: { kind: 'unix', path: '/run/php/www.sock' },
  origin: { at: { file: '/etc/php-fpm.d/www.conf', line: 6 }, overridden: [{ file: '/etc/php-fpm.d/docker.conf', line: 19 }] },
};
const api: FpmListen = { pool: 'api', value: '127.0.0.1:9001', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 9001 } };

const facts = (over: Partial<FpmFacts> = {}): FpmFacts => ({
  args: readFpmArgs(['-F']),
  tested: true,
  listens: [www, api],
  daemonize: { value: 'no' },
  processControlTimeout: { value: '5', at: { file: '/etc/php-fpm.conf', line: 3 } },
  ...over,
});

describe('checkFpmFacts', () => {
  const fpm = service({ name: 'php-fpm', preset: 'php-fpm' });

  it('accepts a foreground php-fpm with a drain below stopTimeout', () => {
    expect(checkFpmFacts(fpm, facts())).toEqual({ problems: [], warnings: [] });
  });

  it('refuses -D, and warns about a drain longer than stopTimeout', () => {
    const r = checkFpmFacts(fpm, facts({ args: readFpmArgs(['-D']), processControlTimeout: { value: '30', at: { file: '/etc/php-fpm.conf', line: 3 } } }));
    expect(r.problems.map((p) => p.message)).toEqual(['the command has -D, so php-fpm would daemonize and berth would lose it; use -F to keep it in the foreground']);
    expect(r.warnings.map((w) => w.message)).toEqual(['process_control_timeout is 30s (set by /etc/php-fpm.conf:3), not below stopTimeout (8s): berth kills php-fpm before its workers finish; lower one or raise the other']);
  });

  it('concludes nothing about daemonize or the drain when -tt did not pass', () => {
    expect(checkFpmFacts(fpm, facts({ args: readFpmArgs([]), tested: false, daemonize: { value: 'yes' } }))).toEqual({ problems: [], warnings: [] });
  });

  it('names every pool when the ready target is none of them', () => {
    const r = checkFpmFacts({ ...fpm, ready: { kind: 'tcp', port: 9000 } }, facts());
    expect(r.problems).toEqual([
      {
        service: 'php-fpm',
        path: 'services.php-fpm.ready',
        message: 'php-fpm listens on unix:/run/php/www.sock (pool www, set by /etc/php-fpm.d/www.conf:6, overriding docker.conf:19) and 127.0.0.1:9001 (pool api, as php-fpm -tt reports it), not on tcp:9000',
      },
    ]);
    expect(checkFpmFacts({ ...fpm, ready: { kind: 'tcp', port: 9001 } }, facts()).problems).toEqual([]);
  });
});

describe('defaults the preset adds', () => {
  it("probes the first pool's listen when there is no ready", () => {
    expect(defaultFpmProbe(service({ name: 'php-fpm' }), facts())).toEqual({ kind: 'unix', path: '/run/php/www.sock' });
    expect(defaultFpmProbe(service({ name: 'php-fpm', ready: { kind: 'file', path: '/x' } }), facts())).toEqual({ kind: 'file', path: '/x' });
  });

  it('creates a missing socket directory, owned by the service user, once', () => {
    const none = () => false;
    expect(socketDirs(service({ name: 'php-fpm' }), facts(), none)).toEqual([{ path: '/run/php' }]);
    expect(socketDirs(service({ name: 'php-fpm', user: 'www-data' }), facts(), none)).toEqual([{ path: '/run/php', owner: 'www-data' }]);
    expect(socketDirs(service({ name: 'php-fpm', dirs: [{ path: '/run/php', mode: 0o750 }] }), facts(), none)).toEqual([]);
    expect(socketDirs(service({ name: 'php-fpm' }), facts(), () => true)).toEqual([]);
  });

  it('describes one pool without its name', () => {
    expect(describeListens([www])).toBe('unix:/run/php/www.sock (set by /etc/php-fpm.d/www.conf:6, overriding docker.conf:19)');
  });
});
