import { describe, expect, it } from 'vitest';
import type { NginxFacts } from '../../src/presets/nginx/targets.js';
import type { FpmListen } from '../../src/presets/php-fpm/index.js';
import { mayConnect, runsAsRoot, socketAccessWarnings, type Accounts } from '../../src/presets/socket-access.js';

const accounts: Accounts = {
  passwd: [
    ['root', 'x', '0', '0'],
    ['www-data', 'x', '33', '33'],
    ['nobody', 'x', '65534', '65534'],
    ['nginx', 'x', '101', '101'],
  ],
  group: [
    ['root', 'x', '0', ''],
    ['www-data', 'x', '33', 'nginx'],
    ['nogroup', 'x', '65534', ''],
    ['nginx', 'x', '101', ''],
  ],
};

const SOCK = '/run/php-fpm/php-fpm.sock';
const listen = (over: Partial<FpmListen> = {}): FpmListen => ({ pool: 'www', value: SOCK, endpoint: { kind: 'unix', path: SOCK }, ...over });
const facts = (user?: string): NginxFacts => ({
  targets: [{ directive: 'fastcgi_pass', raw: `unix:${SOCK}`, endpoint: { kind: 'unix', path: SOCK }, at: { file: '/n.conf', line: 9 } }],
  listens: [],
  ...(user ? { user: { name: user, at: { file: '/n.conf', line: 1 } } } : {}),
});

describe('mayConnect', () => {
  const sock = { uid: 33, gid: 33, mode: 0o660 };
  it('allows the owner, a member of the group by /etc/group, and root', () => {
    expect(mayConnect(accounts, 'www-data', undefined, sock)).toBe(true);
    expect(mayConnect(accounts, 'nginx', 'nginx', sock)).toBe(true);
    expect(mayConnect(accounts, 'root', undefined, sock)).toBe(true);
  });
  it('refuses others without o+w, and cannot tell for unknown users', () => {
    expect(mayConnect(accounts, 'nobody', 'nogroup', sock)).toBe(false);
    expect(mayConnect(accounts, 'nobody', 'nogroup', { ...sock, mode: 0o666 })).toBe(true);
    expect(mayConnect(accounts, 'ghost', undefined, sock)).toBeUndefined();
  });
});

describe('socketAccessWarnings', () => {
  it('warns when nginx runs as nobody and the socket is root:root 0660 (php-fpm defaults)', () => {
    const w = socketAccessWarnings({ service: 'nginx', facts: facts() }, [{ service: 'php-fpm', listens: [listen()] }], accounts);
    expect(w).toEqual([
      {
        service: 'nginx',
        message: `nginx's workers run as nobody (nginx's default) but php-fpm's socket unix:${SOCK} will be root:root mode 0660 (pool www's listen.owner, listen.group, listen.mode), so nginx cannot connect to it and answers 502; set listen.owner and listen.group to nobody, or nginx's user to the socket's owner`,
      },
    ]);
  });

  it('is quiet when the workers may connect, or when ACLs decide', () => {
    const owned = listen({ owner: 'www-data', group: 'www-data', mode: '0660' });
    expect(socketAccessWarnings({ service: 'nginx', facts: facts('www-data') }, [{ service: 'php-fpm', listens: [owned] }], accounts)).toEqual([]);
    expect(socketAccessWarnings({ service: 'nginx', facts: facts('nginx') }, [{ service: 'php-fpm', listens: [owned] }], accounts)).toEqual([]);
    expect(socketAccessWarnings({ service: 'nginx', facts: facts() }, [{ service: 'php-fpm', listens: [listen({ acl: 'nginx' })] }], accounts)).toEqual([]);
  });

  it('knows which users are root', () => {
    expect([undefined, 'root', '0', '0:0', 'root:www-data'].map(runsAsRoot)).toEqual([true, true, true, true, true]);
    expect(['www-data', '33', '1000:0'].map(runsAsRoot)).toEqual([false, false, false]);
  });
});
