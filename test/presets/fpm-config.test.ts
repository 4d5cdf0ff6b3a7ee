import { describe, expect, it } from 'vitest';
import { fpmSeconds, parseFpmConfig, poolPrefix, winning, type FpmFiles } from '../../src/presets/php-fpm/config.js';
import { globToRegExp } from '../../src/presets/glob.js';

/** An in-memory tree: globs match its paths the way glob(3) would, sorted. */
function files(tree: Record<string, string>): FpmFiles {
  return {
    read: (f) => tree[f],
    glob: (p) => Object.keys(tree).filter((f) => globToRegExp(p).test(f)).sort(),
  };
}

const OFFICIAL_2019 = {
  '/usr/local/etc/php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
  '/usr/local/etc/php-fpm.d/docker.conf': '[global]\nerror_log = /proc/self/fd/2\n\n[www]\naccess.log = /proc/self/fd/2\n',
  '/usr/local/etc/php-fpm.d/www.conf': '[www]\nuser = www-data\n\nlisten = /var/run/php-fpm/php-fpm.sock\nlisten.mode = 0660\n',
  '/usr/local/etc/php-fpm.d/zz-docker.conf': '[global]\ndaemonize = no\n\n[www]\nlisten = 9000\n',
  '/usr/local/etc/php-fpm.d/www.conf.default': '[www]\nlisten = 127.0.0.1:9000\n',
};

describe('parseFpmConfig', () => {
  it('reads include= relative to the prefix, in name order, the last assignment winning', () => {
    const c = parseFpmConfig('/usr/local/etc/php-fpm.conf', { prefix: '/usr/local', env: {}, files: files(OFFICIAL_2019) });
    expect(c.pools.map((p) => p.name)).toEqual(['www']);
    const listen = winning(c.pools[0]!.settings, 'listen');
    expect(listen).toEqual({
      value: '9000',
      at: { file: '/usr/local/etc/php-fpm.d/zz-docker.conf', line: 5 },
      overridden: [{ file: '/usr/local/etc/php-fpm.d/www.conf', line: 4 }],
    });
    // *.conf does not match www.conf.default
    expect(c.pools[0]!.settings.get('listen')).toHaveLength(2);
    expect(winning(c.global, 'daemonize')).toMatchObject({ value: '', at: { line: 2 } });
  });

  it('uses -p as the prefix for a relative include', () => {
    const tree = { '/srv/app/etc/php-fpm.conf': 'include=etc/pool.d/*.conf\n', '/srv/app/etc/pool.d/a.conf': '[a]\nlisten = 1\n' };
    const c = parseFpmConfig('/srv/app/etc/php-fpm.conf', { prefix: '/srv/app', env: {}, files: files(tree) });
    expect(c.pools.map((p) => p.name)).toEqual(['a']);
  });

  it('expands $pool with the pool name as first written, and reopens pools case-insensitively', () => {
    const tree = { '/e/main.conf': '[Api]\nlisten = /run/$pool.sock\n[www]\nlisten = 9000\n[API]\nping.path = /$pool\n' };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/usr', env: {}, files: files(tree) });
    expect(c.pools.map((p) => p.name)).toEqual(['Api', 'www']);
    expect(winning(c.pools[0]!.settings, 'listen')?.value).toBe('/run/Api.sock');
    expect(winning(c.pools[0]!.settings, 'ping.path')).toMatchObject({ value: '/Api', at: { line: 6 } });
  });

  it('stays in the section the included files opened last, as php-fpm does', () => {
    const tree = {
      '/e/main.conf': '[global]\ninclude=/e/d/*.conf\nlisten = /after.sock\n',
      '/e/d/a.conf': '[a]\nlisten = 1\n',
      '/e/d/b.conf': '[b]\nlisten = 2\n',
    };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/usr', env: {}, files: files(tree) });
    expect(winning(c.pools[1]!.settings, 'listen')).toMatchObject({ value: '/after.sock', at: { file: '/e/main.conf', line: 3 }, overridden: [{ file: '/e/d/b.conf', line: 2 }] });
    expect(c.global.has('listen')).toBe(false);
  });

  it('reads include inside a pool section too, and keys case-insensitively', () => {
    const tree = { '/e/main.conf': '[www]\nLISTEN = 1\ninclude = /e/more.conf\n', '/e/more.conf': 'Listen = 2\n' };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/usr', env: {}, files: files(tree) });
    expect(winning(c.pools[0]!.settings, 'listen')).toMatchObject({ value: '2', at: { file: '/e/more.conf', line: 1 } });
  });

  it('notes an include that matches nothing and stops at 5 files deep', () => {
    const loop = { '/e/main.conf': 'include=/e/main.conf\n[www]\n', '/e/x.conf': 'include=/e/none/*.conf\n' };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/usr', env: {}, files: files(loop) });
    expect(c.notes.join('\n')).toMatch(/deeper than 5/);
    const d = parseFpmConfig('/e/x.conf', { prefix: '/usr', env: {}, files: files(loop) });
    expect(d.notes[0]).toMatch(/nothing matches include=\/e\/none\/\*\.conf/);
  });

  it('takes ${VAR} from the environment it is given', () => {
    const tree = { '/e/main.conf': '[www]\nlisten = ${SOCK_DIR}/php.sock\n' };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/usr', env: { SOCK_DIR: '/run/x' }, files: files(tree) });
    expect(winning(c.pools[0]!.settings, 'listen')?.value).toBe('/run/x/php.sock');
  });
});

describe('poolPrefix and fpmSeconds', () => {
  it("resolves a pool's prefix against the global one", () => {
    const tree = { '/e/main.conf': '[a]\nprefix = pools/$pool\n[b]\n' };
    const c = parseFpmConfig('/e/main.conf', { prefix: '/srv', env: {}, files: files(tree) });
    expect(poolPrefix(c.pools[0]!, '/srv')).toBe('/srv/pools/a');
    expect(poolPrefix(c.pools[1]!, '/srv')).toBe('/srv');
  });

  it('reads php-fpm time values', () => {
    expect(fpmSeconds('0')).toBe(0);
    expect(fpmSeconds('10s')).toBe(10);
    expect(fpmSeconds('2m')).toBe(120);
    expect(fpmSeconds('ten')).toBeUndefined();
  });
});
