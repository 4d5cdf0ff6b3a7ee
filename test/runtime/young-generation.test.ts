// Idle memory (issue 7/7): while berth starts, V8's young generation is held at its first size
// (bin/berth.js), else it doubles up to 8 MiB and stays so for ~20 s of idle; once every
// service is ready it may grow again (src/os/heap.ts). The demo's start: a real berth, a preload
// that reads V8's new space the moment berth lets it grow.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BERTH, BERTH_BIN, ROOT, startBerth, tempDir } from '../helpers/berth.js';

const t = tempDir('berth-young-');
afterAll(() => t.cleanup());

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

it.skipIf(BERTH_BIN)('berth starts with the young generation held, and lets it grow once ready', async () => {
  const seen = join(t.dir, 'seen');
  const preload = t.write(
    'preload.cjs',
    `const v8 = require('node:v8'); let grown;
Object.defineProperty(globalThis, Symbol.for('berth.heap.grown'), { get: () => grown, set(v) {
  grown = v;
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  require('node:fs').writeFileSync(${JSON.stringify(seen)}, String(s.space_size));
} });`,
  );
  const b = startBerth(['-r', preload, BERTH, '-c', join(ROOT, 'examples/demo/berth.yaml')], {
    exe: process.execPath,
    env: { DEMO_DATA: join(t.dir, 'demo'), PORT: String(await freePort()), BERTH_LOG_LEVEL: 'info' },
  });
  await b.waitForEvent('ready', {}, 30_000);
  b.kill('SIGTERM');
  await b.exited;
  // V8's first size: 1 MiB a semi-space, two of them; grown it would be 8 MiB here
  expect(Number(readFileSync(seen, 'utf8'))).toBeLessThanOrEqual(2 * 1024 * 1024);
});
