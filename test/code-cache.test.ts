// bin/berth.js runs dist/ through V8's code cache (scripts/build.mjs): a build without one, or
// a cache V8 refuses (another Node, a damaged file), must still run, and leave a good cache.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { Module } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/berth.js';

let t: ReturnType<typeof tempDir>;
const cacheDir = () => join(t.dir, 'dist', 'cache');
const berthCache = () => join(cacheDir(), readdirSync(cacheDir()).find((f) => f.endsWith('-berth.bin'))!);

function berth(...args: string[]) {
  return berthWith({}, ...args);
}

function berthWith(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [join(t.dir, 'bin', 'berth.js'), ...args], {
    cwd: t.dir,
    env: { ...process.env, BERTH_READY_FILE: join(t.dir, 'ready'), BERTH_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** would V8 take this cache for dist/berth.js, as bin/berth.js compiles it? */
function accepted(cache: Buffer): boolean {
  const file = join(t.dir, 'dist', 'berth.js');
  return !new Script(Module.wrap(`\n${readFileSync(file, 'utf8')}`), { filename: file, cachedData: cache, lineOffset: -1 }).cachedDataRejected;
}

beforeAll(() => {
  t = tempDir('berth-cache-');
  for (const d of ['bin', 'dist']) cpSync(join(ROOT, d), join(t.dir, d), { recursive: true });
  // the build's caches only: a test run before this one with V8 flags of its own (--expose-gc) left its own beside them
  for (const n of readdirSync(cacheDir()).filter((f) => f.includes('.flags-'))) rmSync(join(cacheDir(), n));
  cpSync(join(ROOT, 'package.json'), join(t.dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(t.dir, 'node_modules'));
});
afterAll(() => t.cleanup());

describe('the code cache', () => {
  it('is made by the build, for dist/berth.js and the vendored zod and yaml, and V8 takes it', () => {
    const names = readdirSync(cacheDir());
    for (const part of ['berth', 'zod', 'yaml']) expect(names.some((n) => n.endsWith(`-${part}.bin`)), part).toBe(true);
    expect(accepted(readFileSync(berthCache()))).toBe(true);
  });

  it('taken by a start: a start that loads a config leaves every cache as the build made it', () => {
    // a refused cache is written again at exit: the files stay as the build made them
    const before = readdirSync(cacheDir()).map((n) => [n, readFileSync(join(cacheDir(), n))] as const);
    const dir = tempDir('berth-cache-run-');
    try {
      writeFileSync(join(dir.dir, 'berth.yaml'), 'tasks:\n  - name: warm\n    command: ["true"]\nservices:\n  main:\n    command: ["true"]\n');
      expect(berth('-c', join(dir.dir, 'berth.yaml')).status).toBe(0);
    } finally {
      dir.cleanup();
    }
    for (const [n, bytes] of before) expect(readFileSync(join(cacheDir(), n)).equals(bytes), n).toBe(true);
  });

  it('with V8 flags of its own (NODE_OPTIONS=--max-old-space-size): a cache of its own, taken by its next start; the build\'s is left as it was', () => {
    const built = () => readdirSync(cacheDir()).filter((n) => /-(berth|zod|yaml)\.bin$/.test(n)).map((n) => [n, readFileSync(join(cacheDir(), n))] as const);
    const before = built();
    const dir = tempDir('berth-cache-flags-');
    try {
      writeFileSync(join(dir.dir, 'berth.yaml'), 'services:\n  main:\n    command: ["true"]\n');
      const flagged = { NODE_OPTIONS: '--max-old-space-size=1024' }; // V8 refuses the build's cache under it
      expect(berthWith(flagged, '-c', join(dir.dir, 'berth.yaml')).status).toBe(0);
      const own = readdirSync(cacheDir()).filter((n) => /-berth\.flags-[0-9a-f]{8}\.bin$/.test(n));
      expect(own).toHaveLength(1);
      const inode = statSync(join(cacheDir(), own[0]!)).ino;
      expect(berthWith(flagged, '-c', join(dir.dir, 'berth.yaml')).status).toBe(0);
      expect(statSync(join(cacheDir(), own[0]!)).ino).toBe(inode); // taken, not written again
      // a flag V8 does not mind takes the build's cache, and makes none
      expect(berthWith({ NODE_OPTIONS: '--enable-source-maps' }, '-c', join(dir.dir, 'berth.yaml')).status).toBe(0);
      expect(readdirSync(cacheDir()).filter((n) => /-berth\.flags-[0-9a-f]{8}\.bin$/.test(n))).toEqual(own);
    } finally {
      dir.cleanup();
    }
    for (const [n, bytes] of before) expect(readFileSync(join(cacheDir(), n)).equals(bytes), n).toBe(true);
    for (const n of readdirSync(cacheDir()).filter((f) => f.includes('.flags-'))) rmSync(join(cacheDir(), n));
  });

  it('missing: berth runs, compiling as usual, and leaves one for the next start', () => {
    rmSync(cacheDir(), { recursive: true });
    expect(berth('--', 'true').status).toBe(0); // no dist/cache/ at all: nothing written, nothing fails
    cpSync(join(ROOT, 'dist', 'cache'), cacheDir(), { recursive: true });
    for (const f of readdirSync(cacheDir())) rmSync(join(cacheDir(), f));
    expect(berth('--', 'true').status).toBe(0);
    expect(readdirSync(cacheDir()).some((n) => n.endsWith('-berth.bin'))).toBe(true);
    expect(accepted(readFileSync(berthCache()))).toBe(true);
  });

  it('refused by V8 (damaged, or made by another Node): berth runs, and replaces it', () => {
    writeFileSync(berthCache(), Buffer.alloc(4096, 7));
    expect(accepted(readFileSync(berthCache()))).toBe(false);
    const r = berth('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(accepted(readFileSync(berthCache()))).toBe(true);
    expect(readdirSync(cacheDir()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
