// berth ctl reload against a real berth: validated first (nothing changes on any problem,
// every problem reported, 78), then the difference applied in dependency order.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from '../helpers/ctl.js';
import { alive } from '../helpers/berth.js';

const open: Controlled[] = [];
afterEach(() => open.splice(0).forEach((c) => c.cleanup()));

const BEFORE = `
control: CONTROL
services:
  keep:
    command: [sleep, "1000"]
  change:
    command: [sleep, "1001"]
  tune:
    command: [sleep, "1002"]
  drop:
    command: [sleep, "1003"]
`;
const AFTER = `
control: CONTROL
health: { listen: 127.0.0.1:9 }
services:
  keep:
    command: [sleep, "1000"]
  change:
    command: [sleep, "2001"]
  tune:
    command: [sleep, "1002"]
    restart: always
  add:
    command: [sleep, "1004"]
    after: [change]
`;

const pidsOf = async (c: Controlled) => Object.fromEntries((await c.status()).services.map((s) => [s.name, s.pid as number]));

describe('berth ctl reload', () => {
  it('applies the difference: removed stops, added starts, changed restarts, a setting is taken over, the rest untouched', async () => {
    const c = startControlled(BEFORE);
    open.push(c);
    await c.berth.waitForEvent('ready');
    const before = await pidsOf(c);
    writeFileSync(join(c.dir, 'berth.yaml'), AFTER.replaceAll('CONTROL', c.control).replaceAll('DIR', c.dir));

    const dry = await c.ctl(['reload', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/drop: stop/);
    expect(dry.stdout).toMatch(/add: start/);
    expect(dry.stdout).toMatch(/change: restart \(argv changed\)/);
    expect(dry.stdout).toMatch(/tune: update settings \(same process\) \(restart changed\)/);
    expect(dry.stdout).toMatch(/keep: untouched/);
    expect(dry.stdout).toMatch(/needs a container restart: health/);
    expect(await pidsOf(c)).toEqual(before); // a dry run changes nothing

    const r = await c.ctl(['reload']);
    expect(r.code).toBe(0);
    const after = await pidsOf(c);
    expect(Object.keys(after)).toEqual(['keep', 'change', 'tune', 'add']);
    expect(after.keep).toBe(before.keep);
    expect(after.tune).toBe(before.tune);
    expect(after.change).not.toBe(before.change);
    expect(alive(before.drop!)).toBe(false);
    expect(alive(before.change!)).toBe(false);
    const done = await c.berth.waitForEvent('reload.done');
    expect(done).toMatchObject({ removed: ['drop'], added: ['add'], restarted: ['change'], updated: ['tune'], unchanged: ['keep'], needsRestart: [expect.stringMatching(/^health/)] });
    // the added one came after `change`: started once the new `change` was ready
    const starts = c.berth.events('service.start').map((l) => l.service);
    expect(starts.lastIndexOf('add')).toBeGreaterThan(starts.lastIndexOf('change'));
    expect((await c.status()).berth).toMatchObject({ ready: true });
    expect(c.berth.events('control.reload')[1]).toMatchObject({ callerUid: 0, dryRun: false });
  });

  it('any problem: nothing changes, every problem is reported (to the caller and reload.failed), 78', async () => {
    const c = startControlled(BEFORE);
    open.push(c);
    await c.berth.waitForEvent('ready');
    const before = await pidsOf(c);
    writeFileSync(join(c.dir, 'berth.yaml'), `${AFTER.replaceAll('CONTROL', c.control).replaceAll('DIR', c.dir)}  broken:\n    command: [no-such-program-here]\n    cwd: DIR/missing\nbogus: 1\n`.replaceAll('DIR', c.dir));
    const r = await c.ctl(['reload']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/nothing changed/);
    expect(r.stderr).toMatch(/bogus: unknown key/);
    const failed = await c.berth.waitForEvent('reload.failed');
    expect(failed.problems).toEqual([expect.stringMatching(/bogus: unknown key/)]);
    // the schema error alone, then with it fixed: preflight's problems, all at once
    writeFileSync(join(c.dir, 'berth.yaml'), `${AFTER.replaceAll('CONTROL', c.control).replaceAll('DIR', c.dir)}  broken:\n    command: [no-such-program-here]\n  broken2:\n    command: [sleep, "1"]\n    cwd: ${c.dir}/missing\n`);
    const r2 = await c.ctl(['reload']);
    expect(r2.code).toBe(78);
    expect(r2.stderr).toMatch(/broken: command "no-such-program-here" not found/);
    expect(r2.stderr).toMatch(/broken2: cwd .*missing does not exist/);
    expect(await pidsOf(c)).toEqual(before);
    expect(c.berth.events('reload.done')).toEqual([]);
  });

  it('reload racing a crash-restart: both settle, the service runs the new command once', async () => {
    const c = startControlled(`
control: CONTROL
services:
  flappy:
    command: [sh, -c, "sleep 0.3; exit 3"]
    restart: always
    maxRestarts: unlimited
  steady:
    command: [sleep, "1000"]
`);
    open.push(c);
    await c.berth.waitForEvent('service.restart', { service: 'flappy' });
    writeFileSync(join(c.dir, 'berth.yaml'), `
control: ${c.control}
services:
  flappy:
    command: [sleep, "1000"]
    restart: always
    maxRestarts: unlimited
  steady:
    command: [sleep, "1000"]
`);
    // the reload lands while flappy crashes and is restarted with its backoff
    const r = await c.ctl(['reload']);
    expect(r.code).toBe(0);
    const s = await c.status();
    const flappy = s.services.find((x) => x.name === 'flappy')!;
    expect(flappy).toMatchObject({ state: 'ready' });
    // exactly one flappy process, and it runs the new command
    const running = c.berth.events('service.start').filter((l) => l.service === 'flappy' && alive(l.pid as number));
    expect(running).toEqual([expect.objectContaining({ pid: flappy.pid, argv: ['sleep', '1000'] })]);
    // the old backoff's restart does not fire later and start a second one
    await new Promise((res) => setTimeout(res, 2_500)); // eslint-disable-line -- the longest backoff in play; nothing to wait for but its absence
    expect(c.berth.events('service.start').filter((l) => l.service === 'flappy' && alive(l.pid as number))).toHaveLength(1);
    expect(c.berth.proc.exitCode).toBe(null);
  });

  it('a reload during shutdown is refused', async () => {
    const c = startControlled(`
control: CONTROL
shutdownTimeout: 20s
services:
  slow:
    command: [sh, -c, "trap 'sleep 3; exit 0' TERM; while :; do sleep 0.1; done"]
    stopTimeout: 10s
`);
    open.push(c);
    await c.berth.waitForEvent('ready');
    c.berth.kill('SIGTERM');
    await c.berth.waitForEvent('service.stop');
    const r = await c.ctl(['reload']);
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/shutting down/);
  });
});
