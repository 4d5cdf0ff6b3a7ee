import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEnvFile } from '../../src/config/index.js';

describe('env files', () => {
  it('reads the dotenv forms', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = around  ',
      'INLINE=value # a comment',
      'HASH=a#b',
      "SINGLE='no $expansion \\n here'",
      'DOUBLE="line\\nbreak and \\"quotes\\""',
      'MULTI="first',
      'second"',
      'EMPTY=',
      'DOLLAR=$HOME/${X}',
      'QUOTED_COMMENT="kept # inside" # dropped',
      'INHERITED',
      'URL=postgres://u:p@db:5432/app?sslmode=disable',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      vars: {
        PLAIN: 'value',
        EXPORTED: 'yes',
        SPACED: 'around',
        INLINE: 'value',
        HASH: 'a#b',
        SINGLE: 'no $expansion \\n here',
        DOUBLE: 'line\nbreak and "quotes"',
        MULTI: 'first\nsecond',
        EMPTY: '',
        DOLLAR: '$HOME/${X}',
        QUOTED_COMMENT: 'kept # inside',
        URL: 'postgres://u:p@db:5432/app?sslmode=disable',
      },
      problems: [],
    });
  });

  it('handles CRLF and a byte-order mark', () => {
    expect(parseEnvFile('\uFEFFA=1\r\nB="2"\r\n').vars).toEqual({ A: '1', B: '2' });
  });

  it('says which line is wrong', () => {
    expect(parseEnvFile('A=1\nDB_HOST: db\nB="open\n').problems).toEqual([
      { line: 2, message: 'expected KEY=VALUE, got "DB_HOST: db"' },
      { line: 3, message: 'B: the value\'s quote (") is never closed' },
    ]);
    expect(parseEnvFile('C="x" y').problems).toEqual([{ line: 1, message: 'C: unexpected text after the closing quote: "y"' }]);
  });

  it('loads relative to the config file, later files winning, and points at the env file line', () => {
    const dir = scratchDir('berth-envfile-');
    writeFileSync(path.join(dir, 'a.env'), 'A=from-a\nB=from-a\n');
    writeFileSync(path.join(dir, 'b.env'), 'B=from-b\n');
    writeFileSync(path.join(dir, 'berth.yaml'), 'envFile: [a.env, b.env]\n');
    expect(loadConfig(path.join(dir, 'berth.yaml'), {}, { cwd: '/' }).envFileVars).toEqual({ A: 'from-a', B: 'from-b' });

    writeFileSync(path.join(dir, 'bad.env'), 'OK=1\nnot an assignment\n');
    writeFileSync(path.join(dir, 'berth.yaml'), 'envFile: bad.env\n');
    try {
      loadConfig(path.join(dir, 'berth.yaml'), {}, { cwd: dir });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).format(dir)).toBe('bad.env:2 envFile: expected KEY=VALUE, got "not an assignment"');
    }
  });
});
