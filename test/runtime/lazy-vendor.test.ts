// What only some runs need is not loaded by the others: `berth -- CMD` without a config file
// reads no vendored package (zod and yaml are for a config file, wait-on for waitFor,
// croner for jobs). A zod import on the no-config path cost every start ~20 ms.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/berth.js';

const t = tempDir('berth-lazy-');
afterAll(() => t.cleanup());

function vendoredReadBy(args: string[], name: string): string[] {
  const record = join(t.dir, `${name}.reads`);
  const r = spawnSync(process.execPath, ['--require', join(ROOT, 'test/fixtures/preload/record-reads.cjs'), join(ROOT, 'bin/berth.js'), ...args], {
    cwd: t.dir,
    env: { ...process.env, RECORD_READS: record, BERTH_READY_FILE: join(t.dir, `${name}.ready`), BERTH_CONTROL: join(t.dir, `${name}-ctl`, 'control.sock'), BERTH_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(existsSync(record)).toBe(true);
  return readFileSync(record, 'utf8').split('\n').filter((f) => f.includes('/vendor/')).map((f) => f.replace(/.*\/vendor\//, ''));
}

describe('the vendored packages are loaded only by the runs that need them', () => {
  it('berth -- true without a config file reads none', () => {
    expect(vendoredReadBy(['--', 'true'], 'bare')).toEqual([]);
  });

  it('a config file loads zod and yaml (so the recording sees them)', () => {
    const config = join(t.dir, 'berth.yaml');
    writeFileSync(config, 'services:\n  t:\n    command: [true]\n');
    expect(vendoredReadBy(['-c', config], 'config')).toEqual(expect.arrayContaining(['zod.js', 'yaml.js']));
  });
});
