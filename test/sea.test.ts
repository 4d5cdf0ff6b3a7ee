// dist/sea/berth, the single executable (`npm run build:sea`, scripts/build-sea.mjs): it
// needs no node, takes nothing from NODE_OPTIONS, and loads koffi's native module from its
// own assets, through each fallback when /tmp is read-only or noexec. The whole e2e suites
// run against it too (.ci/run: BERTH_BIN=dist/sea/berth).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Line } from './helpers/berth.js';
import { unshareProblem } from './fixtures/pid1/harness.js';

const SEA = join(ROOT, 'dist/sea/berth');
const built = existsSync(SEA);
if (!built) console.warn('skipping the tests of the single executable: dist/sea/berth is missing (npm run build:sea)');
const nsProblem = built ? unshareProblem() : undefined;
if (nsProblem) console.warn(`skipping the koffi fallbacks of the single executable: ${nsProblem}`);

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
// not under /tmp, which the tests mount their own over: a directory of their own, and a
// copy of the executable there (a checkout may itself be under /tmp)
let dir: string;
let exe: string;
beforeAll(() => {
  dir = mkdtempSync('/var/tmp/berth-sea-test-');
  if (!built) return;
  exe = join(dir, 'berth');
  copyFileSync(SEA, exe); // the mode bits come along
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** the executable as PID 1 of new PID and mount namespaces, after `mount` ran there */
function asPid1(mount: string, args: string[], opts: { exe?: string; env?: Record<string, string> } = {}) {
  const own = Math.random().toString(36).slice(2);
  const [ready, control] = [join(dir, `ready-${own}`), join(dir, `control-${own}.sock`)];
  const r = spawnSync(
    'unshare',
    ['--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c', `${mount} && exec "$0" "$@"`, opts.exe ?? exe, '--log-format', 'json', '--ready-file', ready, ...args],
    { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', BERTH_CONTROL: control, BERTH_TERMINATION_LOG: 'false', ...opts.env }, timeout: 30_000 },
  );
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { status: r.status, stderr: r.stderr, lines, events: (e: string) => lines.filter((l) => l.event === e) };
}

describe.skipIf(!built)('the single executable', () => {
  it('runs with no node on PATH and takes nothing from NODE_OPTIONS', () => {
    const env = { PATH: '/nonexistent', NODE_OPTIONS: '--require /nonexistent/preload.js', BERTH_CONTROL: join(dir, 'control-plain.sock'), BERTH_TERMINATION_LOG: 'false' };
    const v = spawnSync(SEA, ['--version'], { encoding: 'utf8', env, timeout: 20_000 });
    expect([v.stdout.trim(), v.stderr, v.status]).toEqual([version, '', 0]);
    const r = spawnSync(SEA, ['--log-format', 'json', '--ready-file', join(dir, 'ready-plain'), '--', '/bin/sh', '-c', 'exit 3'], { encoding: 'utf8', env, timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });

  describe.skipIf(Boolean(nsProblem))("koffi's native module as PID 1", () => {
    const reaps = ['--', '/bin/sh', '-c', 'sleep 0.2 & exit 0']; // leaves an orphan for PID 1

    it('comes from the executable through /tmp, which is left as it was', () => {
      const r = asPid1('mount -t tmpfs tmpfs /tmp', [...reaps.slice(0, -1), 'sleep 0.2 & ls -A /tmp; exit 0']);
      expect(r.events('pid1.unavailable')).toEqual([]);
      expect(r.lines.filter((l) => l.stream === 'stdout').map((l) => l.msg)).toEqual([]); // nothing left in /tmp
      expect(r.status).toBe(0);
    });

    it('through a /tmp any user may write, not sticky (a Kubernetes emptyDir): loaded all the same, and /tmp left as it was', () => {
      const r = asPid1('mount -t tmpfs -o mode=0777 tmpfs /tmp', [...reaps.slice(0, -1), 'sleep 0.2 & ls -A /tmp; exit 0']);
      expect(r.events('pid1.unavailable')).toEqual([]);
      expect(r.lines.filter((l) => l.stream === 'stdout').map((l) => l.msg)).toEqual([]); // nothing left in /tmp
      expect(r.status).toBe(0);
    });

    for (const [what, mount] of [
      ['a noexec /tmp', 'mount -t tmpfs -o noexec tmpfs /tmp'],
      ['a read-only /tmp', 'mount -t tmpfs -o ro tmpfs /tmp'],
    ] as const) {
      it(`${what}: one pid1.unavailable warning that names the ways out, and berth still runs`, () => {
        const r = asPid1(mount, reaps);
        const warnings = r.events('pid1.unavailable');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]!.reason).toMatch(/koffi's native module could not be loaded \(\/tmp: .*\); put koffi\.node [\d.]+ beside .*, or set BERTH_NATIVE_DIR/);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      });

      it(`${what}: BERTH_NATIVE_DIR names a directory that will do, and berth leaves it as it was`, () => {
        const native = mkdtempSync(join(dir, 'native-'));
        const r = asPid1(mount, reaps, { env: { BERTH_NATIVE_DIR: native } });
        expect(r.events('pid1.unavailable')).toEqual([]);
        expect(readdirSync(native)).toEqual([]);
        expect(r.status).toBe(0);
      });

      it(`${what}: a koffi.node beside the executable in a directory others may write is not loaded, and the warning says why`, () => {
        const beside = join(dir, `open-${what.length}`);
        mkdirSync(beside);
        chmodSync(beside, 0o777); // anyone could have put this koffi.node there, for root to load
        copyFileSync(SEA, join(beside, 'berth'));
        copyFileSync(join(ROOT, 'node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node'), join(beside, 'koffi.node'));
        const r = asPid1(mount, reaps, { exe: join(beside, 'berth') });
        const warnings = r.events('pid1.unavailable');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]!.reason).toContain(`${join(beside, 'koffi.node')}: not loaded: anyone may replace files in ${beside} (mode 0777, no sticky bit)`);
        expect(r.status).toBe(0);
      });

      it(`${what}: a koffi.node beside the executable`, () => {
        const beside = join(dir, `beside-${what.length}`);
        mkdirSync(beside);
        copyFileSync(SEA, join(beside, 'berth')); // the mode bits come along
        copyFileSync(join(ROOT, 'node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node'), join(beside, 'koffi.node'));
        const r = asPid1(mount, reaps, { exe: join(beside, 'berth') });
        expect(r.events('pid1.unavailable')).toEqual([]);
        expect(r.status).toBe(0);
      });
    }
  });
});
