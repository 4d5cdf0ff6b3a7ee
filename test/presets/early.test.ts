// php-fpm's config test started while the config is still being validated (cli/early-tests.ts,
// presets/early.ts): the preflight must take that very run (one `php-fpm -tt`, not two) for
// every plain shape of a php-fpm service, start none where it cannot know the command, and
// leave nothing behind when the config is refused.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { loadPlan, type Io } from '../../src/cli/commands.js';
import { processStat } from '../../src/os/proc.js';
import { preflight } from '../../src/preflight/index.js';
import { pendingConfigTests, startConfigTest } from '../../src/presets/early.js';
import type { Plan } from '../../src/types.js';
import { alive, runBerth, startBerth, tempDir } from '../helpers/berth.js';
import { expectNoneAlive, killAll, waitUntil } from '../helpers/faults.js';

const t = tempDir('berth-early-');
afterAll(() => t.cleanup());
const bin = join(t.dir, 'bin');
const runs = join(t.dir, 'runs.log');
const sock = join(t.dir, 'www.sock');
t.write('php-fpm.conf', `[www]\nlisten = ${sock}\n`);
// a stand-in for php-fpm: each run appended to runs.log; -tt answers as php-fpm does, after FAKE_FPM_SLEEP
const FAKE = `#!/bin/sh
echo "$$ $*" >> "${runs}"
case " $* " in
  *" -tt "*)
    [ -n "$FAKE_FPM_SLEEP" ] && sleep "$FAKE_FPM_SLEEP"
    printf '[01-Jan-2026 00:00:00] NOTICE: [www]\\n[01-Jan-2026 00:00:00] NOTICE: \\tlisten = ${sock}\\n[01-Jan-2026 00:00:00] NOTICE: configuration file ${t.dir}/php-fpm.conf test is successful\\n' >&2
    exit 0 ;;
esac
exit 0
`;

const PATH = `${bin}:${process.env.PATH ?? ''}`;
const env = { ...process.env, PATH } as Record<string, string>;
const io: Io = { cwd: t.dir, uid: process.getuid?.() ?? 0, stdoutIsTTY: false, stdinIsTTY: false, launcher: { argv: [], env: (e) => e }, out: () => {}, err: () => {}, errNow: () => {} };
const ttRuns = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter((l) => / -tt( |$)/.test(l)).length : 0);

beforeEach(() => {
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'php-fpm'), FAKE);
  chmodSync(join(bin, 'php-fpm'), 0o755);
  rmSync(runs, { force: true });
});

/** the config loaded as a start loads it, then the preflight; how many -tt ran, and what was started early */
async function checkOnce(yaml: string): Promise<{ early: number; runs: number; plan: Plan }> {
  const file = t.write('berth.yaml', yaml);
  const plan = await loadPlan(parseArgs(['check', '-c', file]), env, io, { early: true });
  if (typeof plan === 'number') throw new Error(`the config was refused (${plan})`);
  const early = pendingConfigTests();
  const checked = await preflight(plan);
  expect(checked.problems).toEqual([]);
  expect(pendingConfigTests()).toBe(0);
  return { early, runs: ttRuns(), plan: checked.plan };
}

describe("php-fpm -tt started before the config is validated", () => {
  it.each([
    ['no command: the preset’s', `services:\n  fpm:\n    preset: php-fpm\n`],
    ['the command written out', `services:\n  fpm:\n    preset: php-fpm\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n`],
    ['a command as one string, a relative cwd', `services:\n  fpm:\n    preset: php-fpm\n    cwd: .\n    command: php-fpm -F -y php-fpm.conf\n`],
    ['env at the top and on the service, numbers and booleans among it', `env:\n  PORT: 8080\n  DEBUG: true\nservices:\n  fpm:\n    preset: php-fpm\n    env: { WORKERS: 4, EMPTY: null }\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n  web:\n    command: [sleep, "1000"]\n`],
  ])('is taken by the preflight, so php-fpm runs once: %s', async (_what, yaml) => {
    const r = await checkOnce(yaml);
    expect(r.early).toBe(1);
    expect(r.runs).toBe(1);
  });

  it('is not started when the config has dirs (made before the preflight, and -tt may need them): the preflight runs it', async () => {
    const dirs = await checkOnce(`services:\n  fpm:\n    preset: php-fpm\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n    dirs: [{ path: ${t.dir}/run }]\n`);
    expect([dirs.early, dirs.runs]).toEqual([0, 1]);
  });

  it("is not started when berth's own command line replaces the service's command", async () => {
    const file = t.write('berth.yaml', `services:\n  fpm:\n    preset: php-fpm\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n`);
    const replaced = await loadPlan(parseArgs(['check', '-c', file, '--', 'php-fpm', '-F']), env, io, { early: true });
    expect(typeof replaced).not.toBe('number');
    expect(pendingConfigTests()).toBe(0);
  });

  it('a run started early that the preflight does not take is killed, and waited for, when the preflight ends', async () => {
    startConfigTest({ argv: [join(bin, 'php-fpm'), '-tt', '-y', 'elsewhere.conf'], cwd: t.dir, env: { ...env, FAKE_FPM_SLEEP: '30' }, timeoutMs: 60_000 });
    expect(pendingConfigTests()).toBe(1);
    await waitUntil(() => ttRuns() === 1, 'the early -tt running (its line in runs.log)');
    const file = t.write('plain.yaml', 'services:\n  web:\n    command: [sleep, "1000"]\n');
    const plan = await loadPlan(parseArgs(['check', '-c', file]), env, io, { early: true });
    if (typeof plan === 'number') throw new Error('refused');
    const began = Date.now();
    await preflight(plan);
    expect(Date.now() - began).toBeLessThan(15_000);
    expect(pendingConfigTests()).toBe(0);
    const pid = Number(readFileSync(runs, 'utf8').split(' ')[0]);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a refused config leaves no php-fpm -tt running and no capture files, and berth exits at once', async () => {
    const tmp = tempDir('berth-early-tmp-');
    try {
      const file = t.write('bad.yaml', `services:\n  fpm:\n    preset: php-fpm\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n  other:\n    command: [sleep, "1"]\n    restart: sometimes\n`);
      const began = Date.now();
      const r = await runBerth(['check', '-c', file], { env: { PATH, FAKE_FPM_SLEEP: '30', TMPDIR: tmp.dir }, timeoutMs: 20_000 });
      expect(r.code).toBe(78);
      expect(r.stderr).toMatch(/restart/);
      expect(Date.now() - began).toBeLessThan(15_000); // not the fake -tt's 30 s
      expect(readdirSync(tmp.dir).filter((n) => n.startsWith('berth-capture-'))).toEqual([]);
      const pids = existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0])) : [];
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(); // each run it started is gone
    } finally {
      tmp.cleanup();
    }
  });

  // a slow config test (nginx -T resolving an upstream's host name, php-fpm -tt on a slow disk)
  // and `berth check` interrupted: the test runs in a process group of its own, so Ctrl-C's
  // SIGINT reaches berth alone; berth takes it with it. Its output files never had a name there.
  it.each(['SIGINT', 'SIGTERM'] as const)('berth check stopped by %s while php-fpm -tt runs leaves no -tt running and nothing in the temp dir', async (sig) => {
    const tmp = tempDir('berth-early-tmp-');
    let pids: number[] = [];
    const started = new Map<number, number | undefined>();
    try {
      const file = t.write('slow.yaml', `services:\n  fpm:\n    preset: php-fpm\n    command: [php-fpm, -F, -y, ${t.dir}/php-fpm.conf]\n`);
      const b = startBerth(['check', '-c', file], { env: { PATH, FAKE_FPM_SLEEP: '30', TMPDIR: tmp.dir } });
      await waitUntil(() => ttRuns() === 1, 'php-fpm -tt running (its line in runs.log)');
      expect(readdirSync(tmp.dir)).toEqual([]); // its output files are open, with no name
      pids = readFileSync(runs, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0]));
      expect(pids.every(alive)).toBe(true);
      for (const pid of pids) started.set(pid, processStat(pid)?.startTicks);
      b.kill(sig);
      const end = await b.exited;
      expect(end.signal ?? end.code).toBeTruthy(); // it did not pass a check it never finished
      await expectNoneAlive(pids, 'php-fpm -tt');
      expect(readdirSync(tmp.dir)).toEqual([]);
    } finally {
      // a failed test's -tt, and only it: pid numbers are reused within a run
      killAll(pids.filter((pid) => started.get(pid) !== undefined && processStat(pid)?.startTicks === started.get(pid)));
      tmp.cleanup();
    }
  });
});
