// The ready file follows the services berth runs, also after a reload changes the list:
// removing the one service that was not ready makes berth ready at once.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startControlled, type Controlled } from '../helpers/ctl.js';

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

it('a reload that removes the only service not ready writes the ready file', async () => {
  const c = startControlled(`
control: CONTROL
services:
  web:
    command: [sleep, "1000"]
  stuck:
    command: [sleep, "1001"]
    ready: file:DIR/never
    readyTimeout: 0
`);
  open.push(c);
  const readyFile = join(c.dir, 'run', 'ready');
  await c.berth.waitForEvent('service.ready', { service: 'web' });
  expect(existsSync(readyFile)).toBe(false);
  writeFileSync(join(c.dir, 'berth.yaml'), `
control: ${c.control}
services:
  web:
    command: [sleep, "1000"]
`);
  const r = await c.ctl(['reload']);
  expect(r.code, r.stderr).toBe(0);
  await c.berth.waitForEvent('reload.done');
  await c.berth.waitForEvent('ready');
  expect(existsSync(readyFile)).toBe(true);
});
