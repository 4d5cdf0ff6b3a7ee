import { describe, expect, it } from 'vitest';
import { crossCheck, type Served } from '../../src/presets/cross-check.js';
import type { NginxFacts } from '../../src/presets/nginx/targets.js';

const same = (p: string) => p;
const SOCK = '/var/run/php-fpm/php-fpm.sock';

const nginxFacts = (targets: NginxFacts['targets']): NginxFacts => ({
  targets,
  listens: [{ endpoint: { kind: 'tcp', port: 80 }, at: { file: '/etc/nginx/nginx.conf', line: 10 } }],
});

const fastcgiToSocket = nginxFacts([
  { directive: 'fastcgi_pass', raw: `unix:${SOCK}`, endpoint: { kind: 'unix', path: SOCK }, at: { file: '/etc/nginx/conf.d/default.conf', line: 32 } },
]);

const fpmOn9000: Served = {
  service: 'php-fpm',
  endpoints: [{ kind: 'tcp', port: 9000 }],
  describe: 'php-fpm listens on 9000 (set by /usr/local/etc/php-fpm.d/zz-docker.conf:5, overriding www.conf:4)',
};

describe('crossCheck', () => {
  it('adds nginx → php-fpm when php-fpm serves the socket', () => {
    const served: Served[] = [{ service: 'php-fpm', endpoints: [{ kind: 'unix', path: SOCK }], describe: '' }];
    const r = crossCheck({ nginx: [{ service: 'nginx', facts: fastcgiToSocket }], served, complete: true, canonical: same });
    expect(r.problems).toEqual([]);
    expect(r.after.get('nginx')).toEqual(['php-fpm']);
  });

  it('names the nginx line and what php-fpm listens on instead (the 502 incident)', () => {
    const r = crossCheck({ nginx: [{ service: 'nginx', facts: fastcgiToSocket }], served: [fpmOn9000], complete: true, canonical: same });
    expect(r.after.size).toBe(0);
    expect(r.problems).toEqual([
      {
        service: 'nginx',
        path: 'services.nginx',
        message: `nginx passes PHP requests to unix:${SOCK} (/etc/nginx/conf.d/default.conf:32) but php-fpm listens on 9000 (set by /usr/local/etc/php-fpm.d/zz-docker.conf:5, overriding www.conf:4); no service serves that socket`,
      },
    ]);
  });

  it('says so when no other service declares anything', () => {
    const r = crossCheck({ nginx: [{ service: 'web', facts: fastcgiToSocket }], served: [], complete: true, canonical: same });
    expect(r.problems[0]!.message).toMatch(/^web passes PHP requests to unix:\/var\/run\/php-fpm\/php-fpm.sock \(\S+default.conf:32\) but no service berth runs listens there; give the service that does a ready: probe/);
  });

  it('reports a target once, with every place that uses it, and shows the upstream block', () => {
    const t = (line: number) => ({ directive: 'proxy_pass' as const, raw: 'http://app', endpoint: { kind: 'tcp' as const, host: '127.0.0.1', port: 3000 }, at: { file: '/n.conf', line }, upstream: { name: 'app', at: { file: '/u.conf', line: 2 } } });
    const r = crossCheck({ nginx: [{ service: 'nginx', facts: nginxFacts([t(5), t(9)]) }], served: [fpmOn9000], complete: true, canonical: same });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toContain('nginx proxies requests to 127.0.0.1:3000 (/n.conf:5, upstream app at /u.conf:2 and /n.conf:9, upstream app at /u.conf:2) but php-fpm listens on 9000');
    expect(r.problems[0]!.message).toMatch(/no service serves that port$/);
  });

  it('ignores remote hosts, accepts what nginx serves itself, and any service ready on the target', () => {
    const facts = nginxFacts([
      { directive: 'proxy_pass', raw: 'http://db:5432', endpoint: { kind: 'tcp', host: 'db', port: 5432 }, at: { file: '/n.conf', line: 1 } },
      { directive: 'proxy_pass', raw: 'http://127.0.0.1:80', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 80 }, at: { file: '/n.conf', line: 2 } },
      { directive: 'proxy_pass', raw: 'http://localhost:3000', endpoint: { kind: 'tcp', host: 'localhost', port: 3000 }, at: { file: '/n.conf', line: 3 } },
    ]);
    const app: Served = { service: 'app', endpoints: [{ kind: 'tcp', port: 3000 }], describe: 'app listens on 3000 (its ready probe)' };
    const r = crossCheck({ nginx: [{ service: 'nginx', facts }], served: [app], complete: true, canonical: same });
    expect(r.problems).toEqual([]);
    expect(r.after.get('nginx')).toEqual(['app']);
  });

  it('reports no miss while some service could not be read (its own problem says why)', () => {
    const r = crossCheck({ nginx: [{ service: 'nginx', facts: fastcgiToSocket }], served: [], complete: false, canonical: same });
    expect(r.problems).toEqual([]);
  });
});
