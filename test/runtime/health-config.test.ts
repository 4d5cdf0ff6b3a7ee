// `berth health` finds the ready file as `berth run` does (CONTRACT §5): --ready-file,
// $BERTH_READY_FILE, then the config file's readyFile (-c, $BERTH_CONFIG, ./berth.yaml …),
// then the default. A HEALTHCHECK with BERTH_CONFIG set used to look at /run/berth/ready.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBerth, startBerth, tempDir } from '../helpers/berth.js';

let t: ReturnType<typeof tempDir>;
beforeAll(() => (t = tempDir('berth-health-config-')));
afterAll(() => t.cleanup());

it('with -c, BERTH_CONFIG or ./berth.yaml naming a readyFile (relative to the file), health checks that file', async () => {
  const app = join(t.dir, 'app');
  mkdirSync(app);
  const cfg = join(app, 'berth.yaml');
  writeFileSync(cfg, 'readyFile: state/ready\nservices:\n  app: { command: [sleep, "60"] }\n');
  const b = startBerth(['-c', cfg], { env: { BERTH_READY_FILE: undefined } });
  const ready = await b.waitForEvent('ready');
  expect(ready.readyFile).toBe(join(app, 'state/ready'));

  const none = { BERTH_READY_FILE: undefined, BERTH_CONFIG: undefined };
  const byFlag = await runBerth(['health', '-c', cfg], { env: none, cwd: t.dir });
  expect([byFlag.code, byFlag.stdout]).toEqual([0, expect.stringMatching(/^berth health: ready since .*berth pid \d+\n$/)]);
  expect((await runBerth(['health'], { env: { ...none, BERTH_CONFIG: cfg }, cwd: t.dir })).code).toBe(0);
  expect((await runBerth(['health'], { env: none, cwd: app })).code).toBe(0); // ./berth.yaml
  // the flag and the variable still win over the file
  const elsewhere = join(t.dir, 'elsewhere');
  const flag = await runBerth(['health', '-c', cfg, '--ready-file', elsewhere], { env: none, cwd: t.dir });
  expect([flag.code, flag.stderr]).toEqual([1, `berth health: not ready: no ready file at ${elsewhere}\n`]);
  expect((await runBerth(['health', '-c', cfg], { env: { ...none, BERTH_READY_FILE: elsewhere }, cwd: t.dir })).code).toBe(1);

  b.kill('SIGTERM');
  expect((await b.exited).code).toBe(0);
  expect((await runBerth(['health', '-c', cfg], { env: none, cwd: t.dir })).code).toBe(1);
});

it('readyFile: false in the config: health says there is nothing to check, exit 1', async () => {
  const cfg = t.write('off.yaml', 'readyFile: false\nservices:\n  app: { command: [sleep, "1"] }\n');
  const r = await runBerth(['health', '-c', cfg], { env: { BERTH_READY_FILE: undefined } });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^berth health: the ready file is turned off \(readyFile: false\)/);
});
