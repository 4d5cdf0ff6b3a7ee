import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPresetProgram, resolvePresetArgv } from '../../src/presets/binary.js';
import { findPhpFpmProgram } from '../../src/os/path-search.js';
import { readFpmArgs, readNginxArgs } from '../../src/presets/command-args.js';
import { fillPresetDefaults } from '../../src/presets/index.js';
import type { ServicePlan } from '../../src/types.js';

const root = mkdtempSync(join(tmpdir(), 'berth-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function program(dir: string, name: string, mode = 0o755): void {
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, dir, name), '#!/bin/sh\n');
  chmodSync(join(root, dir, name), mode);
}

program('a', 'php-fpm7.4');
program('a', 'php-fpm8.10');
program('b', 'php-fpm8.2');
program('b', 'php-fpm9.0', 0o644); // not executable
program('c', 'php-fpm');

describe('finding php-fpm on the PATH', () => {
  const path = `${join(root, 'a')}:${join(root, 'b')}`;

  it('takes the highest php-fpmX.Y, comparing versions as numbers', () => {
    expect(findPhpFpmProgram(path, '/')).toBe(join(root, 'a/php-fpm8.10'));
  });

  it('takes the first PATH directory that has one, as execvp would, and php-fpm itself before php-fpmX.Y', () => {
    expect(findPhpFpmProgram(`${join(root, 'b')}:${join(root, 'a')}`, '/')).toBe(join(root, 'b/php-fpm8.2'));
    program('d', 'php-fpm8.4');
    program('d', 'php-fpm');
    expect(findPhpFpmProgram(`${join(root, 'd')}:${path}`, '/')).toBe(join(root, 'd/php-fpm'));
  });

  it("finds Alpine's php-fpm82 as the plan always did", () => {
    program('alpine', 'php-fpm81');
    program('alpine', 'php-fpm82');
    expect(findPhpFpmProgram(join(root, 'alpine'), '/')).toBe(join(root, 'alpine/php-fpm82'));
    expect(resolvePresetArgv('php-fpm', ['php-fpm', '-F'], join(root, 'alpine'), '/')).toEqual(['php-fpm82', '-F']);
  });

  it('sees a php-fpm installed, or removed, after it first looked', () => {
    const dir = join(root, 'later');
    mkdirSync(dir);
    const PATH = `${dir}:${join(root, 'b')}`;
    expect(findPhpFpmProgram(PATH, '/')).toBe(join(root, 'b/php-fpm8.2'));
    program('later', 'php-fpm8.3');
    expect(findPhpFpmProgram(PATH, '/')).toBe(join(dir, 'php-fpm8.3'));
    renameSync(join(dir, 'php-fpm8.3'), join(dir, 'php-fpm8.1'));
    expect(findPhpFpmProgram(PATH, '/')).toBe(join(dir, 'php-fpm8.1'));
    rmSync(join(dir, 'php-fpm8.1'));
    expect(findPhpFpmProgram(PATH, '/')).toBe(join(root, 'b/php-fpm8.2'));
  });

  it('takes a directory PATH names twice (a link; /bin and /usr/bin since /usr was merged) under the name PATH gives first', () => {
    symlinkSync(join(root, 'b'), join(root, 'b-again'));
    const PATH = `${join(root, 'b-again')}:${join(root, 'b')}`;
    expect(findPhpFpmProgram(PATH, '/')).toBe(join(root, 'b-again/php-fpm8.2')); // the name PATH gave first
    chmodSync(join(root, 'b/php-fpm8.2'), 0o644);
    expect(findPhpFpmProgram(`${PATH}:${join(root, 'a')}`, '/')).toBe(join(root, 'a/php-fpm8.10'));
    chmodSync(join(root, 'b/php-fpm8.2'), 0o755);
  });

  it('replaces a bare php-fpm only when it is not on the PATH', () => {
    expect(resolvePresetArgv('php-fpm', ['php-fpm', '-F'], path, '/')).toEqual(['php-fpm8.10', '-F']);
    expect(resolvePresetArgv('php-fpm', ['php-fpm', '-F'], `${join(root, 'c')}:${path}`, '/')).toEqual(['php-fpm', '-F']);
    expect(resolvePresetArgv('php-fpm', ['/usr/local/sbin/php-fpm', '-F'], path, '/')).toEqual(['/usr/local/sbin/php-fpm', '-F']);
    expect(resolvePresetArgv('php-fpm', ['php-fpm', '-F'], join(root, 'none'), '/')).toEqual(['php-fpm', '-F']);
    expect(resolvePresetArgv('nginx', ['nginx'], path, '/')).toEqual(['nginx']);
  });

  it("tells the preset's own program from a wrapper", () => {
    expect(isPresetProgram('php-fpm', '/usr/sbin/php-fpm8.2')).toBe(true);
    expect(isPresetProgram('php-fpm', 'docker-php-entrypoint')).toBe(false);
    expect(isPresetProgram('nginx', '/usr/sbin/nginx')).toBe(true);
  });
});

describe('command arguments', () => {
  it('keeps php-fpm options for -tt and drops the run-mode flags', () => {
    const a = readFpmArgs(['-F', '-R', '-y', 'etc/fpm.conf', '--prefix=/srv', '-c', '/etc/php.ini', '-dmemory_limit=1G', '-O']);
    expect(a).toMatchObject({ config: 'etc/fpm.conf', prefix: '/srv', foreground: true, daemonize: false });
    expect(a.testArgs).toEqual(['-R', '-y', 'etc/fpm.conf', '--prefix=/srv', '-c', '/etc/php.ini', '-dmemory_limit=1G', '-tt']);
    expect(readFpmArgs(['-D', '-p/srv'])).toMatchObject({ prefix: '/srv', daemonize: true, testArgs: ['-p/srv', '-tt'] });
  });

  it('keeps nginx -c, -p, -g, -e for -T and collects -g', () => {
    const a = readNginxArgs(['-p', '/srv/', '-c', 'nginx.conf', '-g', 'daemon off;', '-q']);
    expect(a.testArgs).toEqual(['-p', '/srv/', '-c', 'nginx.conf', '-g', 'daemon off;', '-T']);
    expect(a.globals.trim()).toBe('daemon off;');
  });
});

describe('fillPresetDefaults', () => {
  const base = { name: 'php-fpm', preset: 'php-fpm', argv: [], stopSignal: '' } as unknown as ServicePlan;

  it("fills the preset's command and SIGQUIT when none was written", () => {
    expect(fillPresetDefaults(base)).toMatchObject({ argv: ['php-fpm', '-F'], stopSignal: 'SIGQUIT' });
    expect(fillPresetDefaults({ ...base, preset: 'nginx' })).toMatchObject({ argv: ['nginx', '-g', 'daemon off;'], stopSignal: 'SIGQUIT' });
  });

  it('keeps what was written, and is idempotent', () => {
    const written = { ...base, argv: ['php-fpm', '-F', '-y', 'x.conf'], stopSignal: 'SIGTERM' as const };
    expect(fillPresetDefaults(written)).toEqual(written);
    const once = fillPresetDefaults(base);
    expect(fillPresetDefaults(once)).toEqual(once);
  });

  it('follows what the plan says was written when it says so', () => {
    const planned = { ...base, argv: ['php-fpm', '-F'], stopSignal: 'SIGTERM' as const };
    expect(fillPresetDefaults(planned, { command: true, stopSignal: false })).toMatchObject({ stopSignal: 'SIGQUIT' });
  });

  it('leaves a service without a preset alone', () => {
    const plain = { ...base, preset: undefined };
    expect(fillPresetDefaults(plain)).toBe(plain);
  });
});
