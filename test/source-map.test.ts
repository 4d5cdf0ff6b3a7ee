// The bundle's source map (scripts/build.mjs, src/output/stack.ts): an internal error's
// report names the src/ file and line of each of berth's frames, not dist/berth.js:1.
import { afterAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH, ROOT, tempDir } from './helpers/berth.js';

const t = tempDir('berth-map-');
afterAll(() => t.cleanup());

it("an internal error's stack names src/cli.ts and the line that threw", () => {
  // a failure inside berth, made from outside: its stdout throws when written
  const preload = t.write('throwing-stdout.cjs', "process.stdout.write = () => { throw new Error('stdout is broken on purpose'); };\n");
  const r = spawnSync(process.execPath, ['--require', preload, BERTH, '--version'], { encoding: 'utf8', timeout: 20_000 });
  const line = readFileSync(join(ROOT, 'src/cli.ts'), 'utf8').split('\n').findIndex((l) => l.startsWith('const out = ')) + 1;
  expect(line).toBeGreaterThan(0);
  expect(r.stderr).toMatch(/^berth: internal error \(a bug in berth, please report it\): Error: stdout is broken on purpose\n/);
  expect(r.stderr).toMatch(new RegExp(`\\n    at out \\(src/cli\\.ts:${line}:\\d+\\)\\n    at main \\(src/cli\\.ts:\\d+:\\d+\\)`));
  expect(r.stderr).not.toContain('dist/berth.js');
  expect(r.status).toBe(70);
});
