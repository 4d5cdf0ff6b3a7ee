import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, findConfigFile } from '../../src/config/index.js';

const fresh = () => scratchDir('berth-find-');
const none = '/nonexistent/berth.yaml';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.format();
    throw e;
  }
  return 'no error';
}

describe('which config file', () => {
  it('-c wins over $BERTH_CONFIG and the search, relative to the working directory', () => {
    const cwd = fresh();
    for (const f of ['flag.yaml', 'env.yaml', 'berth.yaml']) writeFileSync(path.join(cwd, f), 'tasks: []');
    expect(findConfigFile({ explicit: 'flag.yaml', env: { BERTH_CONFIG: 'env.yaml' }, cwd, systemFile: none })).toBe(path.join(cwd, 'flag.yaml'));
    expect(findConfigFile({ env: { BERTH_CONFIG: 'env.yaml' }, cwd, systemFile: none })).toBe(path.join(cwd, 'env.yaml'));
    expect(findConfigFile({ env: {}, cwd, systemFile: none })).toBe(path.join(cwd, 'berth.yaml'));
  });

  it('searches berth.yaml, berth.yml, berth.json, then the system file', () => {
    const cwd = fresh();
    const system = path.join(fresh(), 'berth.yaml');
    expect(findConfigFile({ env: {}, cwd, systemFile: system })).toBeUndefined();
    writeFileSync(system, 'tasks: []');
    expect(findConfigFile({ env: {}, cwd, systemFile: system })).toBe(system);
    writeFileSync(path.join(cwd, 'berth.json'), '{}');
    expect(findConfigFile({ env: {}, cwd, systemFile: system })).toBe(path.join(cwd, 'berth.json'));
    writeFileSync(path.join(cwd, 'berth.yml'), 'tasks: []');
    expect(findConfigFile({ env: {}, cwd, systemFile: system })).toBe(path.join(cwd, 'berth.yml'));
    writeFileSync(path.join(cwd, 'berth.yaml'), 'tasks: []');
    expect(findConfigFile({ env: {}, cwd, systemFile: system })).toBe(path.join(cwd, 'berth.yaml'));
  });

  it('a file asked for by name that is not there is a config error', () => {
    const cwd = fresh();
    expect(errorOf(() => findConfigFile({ explicit: 'nope.yaml', env: {}, cwd }))).toBe(`--config: config file not found: ${cwd}/nope.yaml`);
    expect(errorOf(() => findConfigFile({ env: { BERTH_CONFIG: '/etc/nope.yaml' }, cwd }))).toBe('BERTH_CONFIG: config file not found: /etc/nope.yaml');
    mkdirSync(path.join(cwd, 'conf'));
    expect(errorOf(() => findConfigFile({ explicit: 'conf', env: {}, cwd }))).toBe(`--config: ${cwd}/conf is a directory; expected a config file`);
  });

  it('an empty $BERTH_CONFIG is as if unset', () => {
    expect(findConfigFile({ env: { BERTH_CONFIG: '' }, cwd: fresh(), systemFile: none })).toBeUndefined();
  });
});
