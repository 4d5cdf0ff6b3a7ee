// docs/ and the README stand alone: every config key is documented, and nothing points
// outside the repository.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';

const root = path.resolve(import.meta.dirname, '../..');

/** every property name anywhere in a JSON Schema */
function keysOf(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keysOf(n, into));
  else if (node !== null && typeof node === 'object') {
    const props = (node as { properties?: Record<string, unknown> }).properties;
    if (props && typeof props === 'object') for (const k of Object.keys(props)) into.add(k);
    for (const v of Object.values(node)) keysOf(v, into);
  }
  return into;
}


describe('docs', () => {
  it('docs/CONFIG.md names every key of the config schema', () => {
    const doc = readFileSync(path.join(root, 'docs/CONFIG.md'), 'utf8');
    const keys = [...keysOf(configJsonSchema())];
    expect(keys.length).toBeGreaterThan(40);
    const missing = keys.filter((k) => !doc.includes('`' + k + '`') && !doc.includes('`' + k + '.') && !doc.includes('.' + k + '`') && !doc.includes(', `' + k + '`'));
    expect(missing).toEqual([]);
  });
});

describe('no link outside the repository', () => {
  it('README, docs, source, tests, benches and examples never point at ../shared or DESIGN.md', () => {
    const pattern = ['\\.\\./shared', 'shared/seeds', 'DESIGN\\.md', 'DESIGN §'].join('|');
    const r = spawnSync('git', ['grep', '-n', '-I', '-E', pattern, '--', 'README.md', 'docs', 'src', 'test', 'bench', 'examples', ':!test/docs/standalone.test.ts'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(1); // git grep: 1 is "nothing found"
    expect(r.stdout).toBe('');
  });
});
