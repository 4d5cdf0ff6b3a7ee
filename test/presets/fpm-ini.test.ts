import { describe, expect, it } from 'vitest';
import { iniValue, lexIniLine } from '../../src/presets/php-fpm/ini.js';

const env = { HOME: '/root' };

describe('lexIniLine', () => {
  it('reads sections, keeping the name as written', () => {
    expect(lexIniLine('[www]', env)).toEqual({ kind: 'section', name: 'www' });
    expect(lexIniLine('  [ a b ] ; comment', env)).toEqual({ kind: 'section', name: ' a b ' });
    expect(lexIniLine('[www', env).kind).toBe('invalid');
  });

  it('skips blank lines and ; comments', () => {
    expect(lexIniLine('', env)).toEqual({ kind: 'blank' });
    expect(lexIniLine('   ; listen = 9000', env)).toEqual({ kind: 'blank' });
  });

  it('reads key = value with the key as written, and array entries apart', () => {
    expect(lexIniLine('  listen   =   /run/a.sock   ', env)).toEqual({ kind: 'entry', key: 'listen', value: '/run/a.sock' });
    expect(lexIniLine('listen=/run/b.sock;c', env)).toEqual({ kind: 'entry', key: 'listen', value: '/run/b.sock' });
    expect(lexIniLine('env[PATH] = /usr/bin', env)).toEqual({ kind: 'entry', key: 'env', arrayKey: 'PATH', value: '/usr/bin' });
  });

  it('calls a # line or a line without = invalid, as php-fpm refuses them', () => {
    expect(lexIniLine('# comment', env).kind).toBe('invalid');
    expect(lexIniLine('listen', env).kind).toBe('invalid');
  });
});

describe('iniValue (checked against php-fpm8.2 -tt)', () => {
  it('strips quotes and glues pieces: 06"6"0 is 0660', () => {
    expect(iniValue(' "0660" ', env)).toBe('0660');
    expect(iniValue(` '/ping' `, env)).toBe('/ping');
    expect(iniValue(' 06"6"0', env)).toBe('0660');
  });

  it('keeps ; inside quotes and ends a bare value at ;', () => {
    expect(iniValue(' "a;b" ; c', env)).toBe('a;b');
    expect(iniValue(' a ; b', env)).toBe('a');
  });

  it('expands ${VAR} from the environment, bare and in double quotes, not in single quotes', () => {
    expect(iniValue(' /p${HOME}q', env)).toBe('/p/rootq');
    expect(iniValue(' "/s${HOME}t"', env)).toBe('/s/roott');
    expect(iniValue(` '/s\${HOME}t'`, env)).toBe('/s${HOME}t');
    expect(iniValue(' ${UNSET}x', env)).toBe('x');
  });

  it('leaves $pool for php-fpm to expand', () => {
    expect(iniValue(' /run/$pool.sock', env)).toBe('/run/$pool.sock');
    expect(iniValue(' "/run/$pool.sock"', env)).toBe('/run/$pool.sock');
  });

  it('turns bare yes/on/true into "1" and no/off/false/none/null into ""', () => {
    expect(iniValue(' yes', env)).toBe('1');
    expect(iniValue(' On', env)).toBe('1');
    expect(iniValue(' no', env)).toBe('');
    expect(iniValue(' None', env)).toBe('');
    expect(iniValue(' "no"', env)).toBe('no');
  });

  it('unescapes \\" inside double quotes', () => {
    expect(iniValue(' "say \\"hi\\""', env)).toBe('say "hi"');
  });

  it('reports an unclosed quote', () => {
    expect(iniValue(' "open', env)).toBeUndefined();
  });
});
