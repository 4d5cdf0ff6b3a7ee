// Paths berth touches as root: a link or directory planted by a less privileged user (a real
// one: setpriv to an unprivileged uid) is refused, never followed; chown and chmod hit only
// the directory berth opened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDir, ensurePrivateDir, UnsafePathError, untrustedCode, writeFileAtomic } from '../../src/os/safe-path.js';
import { writeReadyFile } from '../../src/readiness/ready-file.js';
import { runBerth, tempDir } from '../helpers/berth.js';
import { asUser } from '../helpers/faults.js';

const NOBODY = 65534;
let t: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => {
  t = tempDir('berth-safe-path-');
  chmodSync(t.dir, 0o755);
});
afterAll(() => t.cleanup());

/** A fresh directory owned by the unprivileged user, as a service's home or volume is. */
function userOwned(): string {
  const d = join(t.dir, `user-${++n}`);
  mkdirSync(d, { mode: 0o755 });
  chownSync(d, NOBODY, NOBODY);
  return d;
}

/** A root-owned directory the user must never get: what the planted link points at. */
function rootOwned(): string {
  const d = join(t.dir, `root-${++n}`);
  mkdirSync(d, { mode: 0o755 });
  chmodSync(d, 0o755);
  return d;
}

/** Runs a command as the unprivileged user (fails the test if it fails). */
function asNobody(...argv: string[]): void {
  const [cmd, ...args] = asUser(NOBODY);
  const r = spawnSync(cmd!, [...args, ...argv], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

const unchanged = (d: string) => {
  const st = statSync(d);
  expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o755]);
};

describe('dirs: a service user who owns the parent cannot make berth chown what it points at', () => {
  it('a symlink planted in place of the directory: 78 and why; the target keeps its owner and mode', async () => {
    const parent = userOwned();
    const target = rootOwned();
    asNobody('ln', '-s', target, join(parent, 'cache'));
    const cfg = t.write(`dirs-${++n}.yaml`, `services:\n  app:\n    command: [true]\n    dirs: [{ path: ${join(parent, 'cache')}, owner: nobody, mode: "0777" }]\n`);
    const r = await runBerth(['-c', cfg], { env: { BERTH_READY_FILE: join(t.dir, `ready-${n}`) } });
    expect(r.code, r.stderr).toBe(78);
    const failed = r.lines.find((l) => l.event === 'preflight.failed');
    expect(String(failed?.msg)).toMatch(/cache is a symbolic link, and .* belongs to uid 65534.*does not follow it/);
    unchanged(target);
  });

  it('a symlink planted on the way (parent/sub → a root directory): nothing created or changed behind it', () => {
    const parent = userOwned();
    const target = rootOwned();
    asNobody('ln', '-s', target, join(parent, 'sub'));
    expect(() => ensureDir(join(parent, 'sub', 'cache'), { uid: NOBODY, gid: NOBODY, mode: 0o700 })).toThrow(UnsafePathError);
    expect(existsSync(join(target, 'cache'))).toBe(false);
    unchanged(target);
  });

  it('a symlink in /tmp-like sticky directories, owned by the user, is refused; one root made in a root-only directory is followed (/var/run → /run)', () => {
    const sticky = join(t.dir, `sticky-${++n}`);
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const target = rootOwned();
    asNobody('ln', '-s', target, join(sticky, 'squat'));
    expect(() => ensureDir(join(sticky, 'squat'), { uid: NOBODY, gid: NOBODY })).toThrow(/squat is a symbolic link, and uid 65534 owns it/);
    unchanged(target);

    const link = join(rootOwned(), 'run');
    symlinkSync(target, link);
    ensureDir(join(link, 'php'), { uid: NOBODY, gid: NOBODY, mode: 0o750 });
    const st = statSync(join(target, 'php'));
    expect([st.uid, st.mode & 0o7777]).toEqual([NOBODY, 0o750]);
    unchanged(target);
  });

  it('a file where a directory should be: an error that says so', () => {
    const d = rootOwned();
    writeFileSync(join(d, 'file'), '');
    expect(() => ensureDir(join(d, 'file', 'x'))).toThrow(/file is not a directory/);
  });

  it('creates missing parents 0755 and the directory with its mode, whatever the umask; leaves one that fits alone', () => {
    const d = join(rootOwned(), 'a', 'b', 'c');
    const old = process.umask(0o077);
    try {
      expect(ensureDir(d, { mode: 0o770, uid: NOBODY, gid: NOBODY })).toEqual({ created: true });
    } finally {
      process.umask(old);
    }
    expect(statSync(join(d, '..')).mode & 0o7777).toBe(0o755);
    expect(statSync(d).mode & 0o7777).toBe(0o770);
    const ctime = statSync(d).ctimeMs;
    expect(ensureDir(d, { mode: 0o770, uid: NOBODY, gid: NOBODY })).toEqual({ created: false });
    expect(statSync(d).ctimeMs).toBe(ctime);
  });
});

describe('ensurePrivateDir (the control socket\'s directory)', () => {
  it('made 0700 by default, with its owner', () => {
    const d = join(rootOwned(), 'ctl');
    ensurePrivateDir(d, { uid: NOBODY, gid: NOBODY });
    const st = statSync(d);
    expect([st.uid, st.mode & 0o7777]).toEqual([NOBODY, 0o700]);
  });

  it('refused under a directory another user may write, even with no link planted yet', () => {
    expect(() => ensurePrivateDir(join(userOwned(), 'ctl'))).toThrow(/belongs to uid 65534, who may replace files in it/);
  });

  it('refused when it exists and another user made it', () => {
    const sticky = join(t.dir, `sticky-${++n}`);
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    asNobody('mkdir', join(sticky, 'ctl'));
    expect(() => ensurePrivateDir(join(sticky, 'ctl'))).toThrow(/uid 65534/);
    expect(statSync(join(sticky, 'ctl')).uid).toBe(NOBODY);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a symlink planted at the name instead of writing through it', () => {
    const d = rootOwned();
    const victim = join(rootOwned(), 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(d, 'ready'));
    writeFileAtomic(d, 'ready', 'new\n', 0o640);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(lstatSync(join(d, 'ready')).isFile()).toBe(true);
    expect(statSync(join(d, 'ready')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(d, 'ready'), 'utf8')).toBe('new\n');
  });

  it('refuses a directory reached through a link the user planted', () => {
    const parent = userOwned();
    const target = rootOwned();
    asNobody('ln', '-s', target, join(parent, 'run'));
    expect(() => writeFileAtomic(join(parent, 'run'), 'ready', 'x')).toThrow(UnsafePathError);
    expect(existsSync(join(target, 'ready'))).toBe(false);
  });

  it('the ready file: its directory planted as a link by the user is refused, the target untouched', () => {
    const parent = userOwned();
    const target = rootOwned();
    asNobody('ln', '-s', target, join(parent, 'run'));
    const r = writeReadyFile(join(parent, 'run', 'ready'), { pid: process.pid, startTime: 1, readyAt: 1, services: {} });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/refusing to write ready file .*run is a symbolic link/);
    expect(existsSync(join(target, 'ready'))).toBe(false);
    expect(readlinkSync(join(parent, 'run'))).toBe(target);
  });
});

describe('untrustedCode (a native module the single executable loads as root)', () => {
  /** a root-owned directory of this mode, holding a root-owned koffi.node of this mode */
  function nativeModule(dirMode: number, fileMode = 0o644): string {
    const d = join(t.dir, `code-${++n}`);
    mkdirSync(d);
    chmodSync(d, dirMode);
    writeFileSync(join(d, 'koffi.node'), 'x');
    chmodSync(join(d, 'koffi.node'), fileMode);
    return join(d, 'koffi.node');
  }

  it('trusts a file and a directory only root and berth can change, a sticky /tmp-like parent included', () => {
    expect(untrustedCode(nativeModule(0o755))).toBeUndefined();
    expect(untrustedCode(nativeModule(0o1777))).toBeUndefined(); // others may add names, not replace root's
    expect(untrustedCode(t.dir)).toBeUndefined();
  });

  it('refuses a file others may write, one another user owns, and one in a directory others may write', () => {
    expect(untrustedCode(nativeModule(0o755, 0o666))).toMatch(/^others may write .*koffi\.node \(mode 0666\)$/);
    const owned = nativeModule(0o755);
    chownSync(owned, NOBODY, NOBODY);
    expect(untrustedCode(owned)).toMatch(/koffi\.node belongs to uid 65534/);
    expect(untrustedCode(nativeModule(0o777))).toMatch(/^anyone may replace files in .*code-\d+ \(mode 0777, no sticky bit\)$/);
    expect(untrustedCode(nativeModule(0o775))).toMatch(/^its group may replace files in /);
  });

  it('looks at where a link leads: a root link to a module in a user-owned directory is refused', () => {
    const theirs = userOwned();
    writeFileSync(join(theirs, 'koffi.node'), 'x');
    const link = join(dirname(nativeModule(0o755)), 'linked.node');
    symlinkSync(join(theirs, 'koffi.node'), link);
    expect(untrustedCode(link)).toMatch(/user-\d+ belongs to uid 65534/);
    expect(untrustedCode(theirs)).toMatch(/belongs to uid 65534/); // as a directory to write one into
    expect(untrustedCode(join(t.dir, 'missing', 'koffi.node'))).toMatch(/ENOENT/);
  });
});

describe('without /proc mounted (an empty tmpfs over it): the same walk through openat and friends', () => {
  it('writes and creates as with /proc, and still refuses what a user planted', () => {
    const parent = userOwned();
    const target = rootOwned();
    asNobody('ln', '-s', target, join(parent, 'run'));
    const d = rootOwned();
    const victim = join(rootOwned(), 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(d, 'ready'));
    const fresh = join(rootOwned(), 'fresh');
    const linked = rootOwned();
    const rootLink = join(rootOwned(), 'link');
    symlinkSync(`../${linked.split('/').at(-1)}`, rootLink); // root made it in a directory only root writes: followed
    const script = 'mount -t tmpfs none /proc && exec "$@"';
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, '--import', 'tsx', 'test/fixtures/os/safe-path-no-proc.ts', join(parent, 'run'), d, fresh, rootLink], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.procMounted).toBe(false);
    expect(out.writeThroughPlantedDir).toMatch(/^UnsafePathError: .*run is a symbolic link/);
    expect(out.ensureThroughPlantedDir).toMatch(/^UnsafePathError: .*run is a symbolic link/);
    expect(existsSync(join(target, 'ready'))).toBe(false);
    expect(existsSync(join(target, 'sub'))).toBe(false);
    expect(out.replaceLinkAtName).toBe('ok');
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(lstatSync(join(d, 'ready')).isFile()).toBe(true);
    expect(statSync(join(d, 'ready')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(d, 'ready'), 'utf8')).toBe('new\n');
    expect([out.createNested, out.createPrivate, out.writeInNested, out.followRootLink]).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(statSync(join(linked, 'made')).mode & 0o7777).toBe(0o711);
    expect(statSync(join(fresh, 'a')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(fresh, 'a', 'b')).mode & 0o7777).toBe(0o750);
    expect(statSync(join(fresh, 'private')).mode & 0o7777).toBe(0o700);
    expect(readFileSync(join(fresh, 'a', 'b', 'file'), 'utf8')).toBe('hello');
    expect(statSync(join(fresh, 'a', 'b', 'file')).mode & 0o777).toBe(0o600);
  });
});
