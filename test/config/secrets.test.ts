import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readSecret } from '../../src/config/index.js';

const dir = scratchDir('berth-secrets-');
writeFileSync(path.join(dir, 'pg'), 'hunter2\n');
writeFileSync(path.join(dir, 'berth.yaml'), 'secrets: [PG_PASS]\n');

describe('secrets', () => {
  it('come from NAME', () => {
    expect(readSecret('PG_PASS', { PG_PASS: 'direct' }, dir)).toEqual({ ok: true, secret: { name: 'PG_PASS', value: 'direct' } });
  });

  it('or from the file NAME_FILE names, relative to the working directory, trailing newline trimmed', () => {
    expect(readSecret('PG_PASS', { PG_PASS_FILE: 'pg' }, dir)).toEqual({
      ok: true,
      secret: { name: 'PG_PASS', value: 'hunter2', fromFile: path.join(dir, 'pg') },
    });
  });

  it('an empty variable counts as unset, as in the official images', () => {
    expect(readSecret('PG_PASS', { PG_PASS: '', PG_PASS_FILE: 'pg' }, dir)).toMatchObject({ ok: true, secret: { value: 'hunter2' } });
  });

  it.each([
    [{ PG_PASS: 'a', PG_PASS_FILE: 'pg' }, 'both PG_PASS and PG_PASS_FILE are set; set only one'],
    [{}, 'neither PG_PASS nor PG_PASS_FILE is set; set PG_PASS, or PG_PASS_FILE to a file holding it'],
    [{ PG_PASS_FILE: 'nope' }, 'cannot read PG_PASS_FILE=nope: file not found'],
    [{ PG_PASS_FILE: '.' }, 'cannot read PG_PASS_FILE=.: is a directory'],
  ])('%j: %s', (env, message) => {
    expect(readSecret('PG_PASS', env, dir)).toEqual({ ok: false, message });
    try {
      loadConfig(path.join(dir, 'berth.yaml'), env, { cwd: dir });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).format(dir)).toBe(`berth.yaml:1:11 secrets[0]: ${message}`);
    }
  });

  it('load keeps the value and where it came from', () => {
    expect(loadConfig(path.join(dir, 'berth.yaml'), { PG_PASS_FILE: path.join(dir, 'pg') }, { cwd: '/' }).secrets).toEqual([
      { name: 'PG_PASS', value: 'hunter2', fromFile: path.join(dir, 'pg') },
    ]);
  });
});
