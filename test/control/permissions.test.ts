// Who may control berth: root and berth's own uid (SO_PEERCRED on every connection); anyone
// else is refused (77) and logged as control.denied. The clients run as other users here.
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { startControlled, type Controlled } from '../helpers/ctl.js';
import { tempDir, startBerth } from '../helpers/berth.js';
import { runCtl } from '../helpers/ctl.js';

const NOBODY = 65534;
const as = (uid: number, caps: string[] = []) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...(caps.length ? [`--inh-caps=${caps.map((c) => `+${c}`).join(',')}`, `--ambient-caps=${caps.map((c) => `+${c}`).join(',')}`] : [])];
const canSwitch = spawnSync('setpriv', [...as(NOBODY).slice(1), 'true']).status === 0 && process.getuid?.() === 0;

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

describe.skipIf(!canSwitch)('berth ctl permissions (needs root and setpriv)', () => {
  it('a user without access to the socket file is refused: 77', async () => {
    const c = startControlled('control: CONTROL\nservices:\n  app:\n    command: [sleep, "100"]\n');
    open.push(c);
    await c.berth.waitForEvent('ready');
    const r = await c.ctl(['status'], { wrap: as(NOBODY) });
    expect(r.code).toBe(77);
    expect(r.stderr).toMatch(/not allowed to connect to .*control\.sock/);
  });

  it('a user who gets past the file mode (CAP_DAC_OVERRIDE) is refused by its uid: 77, control.denied', async () => {
    const c = startControlled('control: CONTROL\nservices:\n  app:\n    command: [sleep, "100"]\n');
    open.push(c);
    await c.berth.waitForEvent('ready');
    const r = await c.ctl(['stop', 'app'], { wrap: as(NOBODY, ['dac_override']) });
    expect(r.code).toBe(77);
    expect(r.stderr).toMatch(/uid 65534 may not control this berth: only root and uid 0/);
    const denied = await c.berth.waitForEvent('control.denied');
    expect(denied).toMatchObject({ callerUid: NOBODY, callerPid: expect.any(Number) });
    expect(c.berth.events('control.stop')).toEqual([]);
    expect((await c.status()).services[0]).toMatchObject({ state: 'ready' });
  });

  it('a berth running as a user: that user and root may control it, another user may not', async () => {
    const t = tempDir();
    try {
      chmodSync(t.dir, 0o755); // nobody must reach its own directory inside
      const run = join(t.dir, 'run');
      mkdirSync(run, { mode: 0o700 });
      chownSync(run, NOBODY, NOBODY);
      const control = join(run, 'control.sock');
      const b = startBerth(['--ready-file', join(run, 'ready'), 'sleep', '100'], { env: { BERTH_CONTROL: control }, wrap: as(NOBODY) });
      await b.waitForEvent('ready');
      expect((await runCtl(['status'], { control, wrap: as(NOBODY) })).code).toBe(0);
      expect((await runCtl(['status'], { control })).code).toBe(0);
      const other = await runCtl(['status'], { control, wrap: as(NOBODY - 1, ['dac_override']) });
      expect(other.code).toBe(77);
      await b.waitForEvent('control.denied', { callerUid: NOBODY - 1 });
      b.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
    } finally {
      t.cleanup();
    }
  });
});
