import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireKoffi } from '../../src/os/koffi.js';

describe('requireKoffi', () => {
  it("loads koffi's own native module directly: the object require('koffi') wraps, at its version", () => {
    const req = createRequire(import.meta.url);
    const pub = req('koffi') as { default: unknown; version: string };
    const fast = requireKoffi();
    expect(fast).toBe(pub.default); // the same module instance: the fast path found koffi's choice
    const pkgDir = dirname(req.resolve('koffi'));
    expect(fast.version).toBe(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version);
    const libc = fast.load(null);
    expect(libc.func('int getpid(void)')()).toBe(process.pid);
  });
});
