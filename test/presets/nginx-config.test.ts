import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNginxConfig, splitNginxDump, tokenizeNginx } from '../../src/presets/nginx/config.js';
import { readNginxFacts } from '../../src/presets/nginx/targets.js';

// real `nginx -T` output for examples/php-nginx (its dir shown as /srv/php-nginx)
const EXAMPLE = readFileSync(new URL('../fixtures/presets/nginx-T-example.txt', import.meta.url), 'utf8');

/** An `nginx -T` dump of these files, the first one the main file. */
function dump(files: Record<string, string>): string {
  return Object.entries(files).map(([name, text]) => `# configuration file ${name}:\n${text}\n`).join('');
}

describe('splitNginxDump', () => {
  it('gives each file its exact content, the main file first', () => {
    const d = splitNginxDump(EXAMPLE, '/');
    expect(d.main).toBe('/srv/php-nginx/nginx/nginx.conf');
    expect([...d.files.keys()]).toEqual(['/srv/php-nginx/nginx/nginx.conf', '/srv/php-nginx/nginx/fastcgi_params']);
    const main = d.files.get(d.main!)!;
    expect(main.split('\n')[32]).toContain('fastcgi_pass unix:');
    expect(d.files.get('/srv/php-nginx/nginx/fastcgi_params')!.endsWith('REDIRECT_STATUS    200;\n')).toBe(true);
  });

  it('resolves a relative header (nginx -p .) against the cwd', () => {
    expect(splitNginxDump('# configuration file ./nginx.conf:\nevents {}\n', '/srv').main).toBe('/srv/nginx.conf');
  });
});

describe('tokenizeNginx', () => {
  it('splits words, quotes, comments and ${var} with line numbers', () => {
    const t = tokenizeNginx('a "b c";  # note ; {\nd ${x}y \'e;f\' {\n}\n');
    expect(t.map((x) => x.text)).toEqual(['a', 'b c', ';', 'd', '${x}y', 'e;f', '{', '}']);
    expect(t.map((x) => x.line)).toEqual([1, 1, 1, 2, 2, 2, 2, 3]);
    expect(t.filter((x) => x.special).map((x) => x.text)).toEqual([';', '{', '}']);
  });

  it('keeps backslashes in regexes', () => {
    expect(tokenizeNginx('location ~ \\.php$ {')[2]!.text).toBe('\\.php$');
  });
});

describe('parseNginxConfig + readNginxFacts', () => {
  it('finds the example fastcgi_pass with its file and line, and the listen', () => {
    const d = splitNginxDump(EXAMPLE, '/');
    const facts = readNginxFacts(parseNginxConfig(d.main!, d.files).directives, { root: true });
    expect(facts.targets).toEqual([
      { directive: 'fastcgi_pass', raw: 'unix:/srv/php-nginx/run/php-fpm/php-fpm.sock', endpoint: { kind: 'unix', path: '/srv/php-nginx/run/php-fpm/php-fpm.sock' }, at: { file: '/srv/php-nginx/nginx/nginx.conf', line: 33 } },
    ]);
    expect(facts.listens).toEqual([{ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, at: { file: '/srv/php-nginx/nginx/nginx.conf', line: 20 } }]);
    expect(facts.user).toMatchObject({ name: 'www-data' });
    expect(facts.daemon).toBeUndefined();
  });

  it('expands includes in place (relative to the main file, glob in name order) and resolves upstream blocks', () => {
    const text = dump({
      '/etc/nginx/nginx.conf': 'daemon on;\nhttp {\n  include conf.d/*.conf;\n  include upstreams;\n}\n',
      '/etc/nginx/conf.d/b.conf': 'server {\n  listen 80;\n  location / { proxy_pass http://app; }\n}\n',
      '/etc/nginx/conf.d/a.conf': 'server {\n  location ~ \\.php$ {\n    fastcgi_pass php;\n  }\n}\n',
      '/etc/nginx/upstreams': 'upstream php {\n  server unix:/run/php/fpm.sock;\n  server 127.0.0.1:9001 backup;\n}\nupstream app { server localhost:3000; }\n',
    });
    const d = splitNginxDump(text, '/');
    const facts = readNginxFacts(parseNginxConfig(d.main!, d.files).directives, { root: true });
    expect(facts.daemon).toEqual({ on: true, at: { file: '/etc/nginx/nginx.conf', line: 1 } });
    expect(facts.targets.map((t) => [t.directive, t.endpoint, t.at.file.split('/').pop(), t.at.line, t.upstream?.name, t.upstream?.at.line])).toEqual([
      ['fastcgi_pass', { kind: 'unix', path: '/run/php/fpm.sock' }, 'a.conf', 3, 'php', 2],
      ['fastcgi_pass', { kind: 'tcp', host: '127.0.0.1', port: 9001 }, 'a.conf', 3, 'php', 3],
      ['proxy_pass', { kind: 'tcp', host: 'localhost', port: 3000 }, 'b.conf', 3, 'app', 5],
    ]);
    // a.conf's server has no listen: *:80 as root
    expect(facts.listens.map((l) => l.endpoint)).toEqual([{ kind: 'tcp', port: 80 }, { kind: 'tcp', port: 80 }]);
  });

  it('reads every unix: form and local and remote ports, and skips variables', () => {
    const text = dump({
      '/n.conf': [
        'http { server { listen [::]:8000; listen unix:/run/n.sock;',
        '  location /a { proxy_pass http://unix:/run/app.sock:/api/; }',
        '  location /b { proxy_pass http://unix:/run/bare.sock; }',
        '  location /c { proxy_pass https://localhost; }',
        '  location /d { uwsgi_pass uwsgi://[::1]:3031; }',
        '  location /e { grpc_pass grpc://127.0.0.1:50051; }',
        '  location /f { scgi_pass unix:/run/scgi.sock; }',
        '  location /g { proxy_pass http://db.internal:5432; }',
        '  location /h { proxy_pass $backend; }',
        '  location /i { proxy_pass http://0.0.0.0:9000/x?y; }',
        '} }',
        'stream { upstream s { server 127.0.0.1:6379; } server { listen 6380; proxy_pass s; } }',
      ].join('\n'),
    });
    const d = splitNginxDump(text, '/');
    const facts = readNginxFacts(parseNginxConfig(d.main!, d.files).directives, { root: false });
    expect(facts.targets.map((t) => t.endpoint)).toEqual([
      { kind: 'unix', path: '/run/app.sock' },
      { kind: 'unix', path: '/run/bare.sock' },
      { kind: 'tcp', host: 'localhost', port: 443 },
      { kind: 'tcp', host: '::1', port: 3031 },
      { kind: 'tcp', host: '127.0.0.1', port: 50051 },
      { kind: 'unix', path: '/run/scgi.sock' },
      { kind: 'tcp', host: 'db.internal', port: 5432 },
      { kind: 'tcp', port: 9000 },
      { kind: 'tcp', host: '127.0.0.1', port: 6379 },
    ]);
    expect(facts.listens.map((l) => l.endpoint)).toEqual([{ kind: 'tcp', port: 8000 }, { kind: 'unix', path: '/run/n.sock' }, { kind: 'tcp', port: 6380 }]);
  });
});
