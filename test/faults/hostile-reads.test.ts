// Every file berth reads is a regular file of bounded size: /dev/zero, /dev/urandom, a FIFO
// nobody writes, or a file over the limit is 78 and a reason, at once — never a read until
// memory runs out, never a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH, runBerth, tempDir } from '../helpers/berth.js';
import { READ_LIMITS, readFileBounded, whyUnreadable } from '../../src/os/read-bounded.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
let fifo: string;
beforeAll(() => {
  t = tempDir('berth-hostile-reads-');
  chmodSync(t.dir, 0o755);
  fifo = join(t.dir, 'fifo');
  execFileSync('mkfifo', [fifo]); // nobody ever writes it: a plain read blocks for ever
});
afterAll(() => t.cleanup());

const refusal = (r: { stderr: string; lines: { event?: string; msg?: unknown }[] }) => `${r.stderr}\n${r.lines.map((l) => String(l.msg ?? '')).join('\n')}`;
const service = 'services:\n  app: { command: [sleep, "1"] }\n';

describe('through the real binary: 78 and why, within seconds', () => {
  const cases: Array<{ what: string; args: () => string[]; env?: () => Record<string, string>; says: RegExp }> = [
    { what: '-c /dev/urandom', args: () => ['-c', '/dev/urandom'], says: /character device.*not a regular file/ },
    { what: '-c /dev/zero', args: () => ['-c', '/dev/zero'], says: /character device.*not a regular file/ },
    { what: '-c a FIFO nobody writes', args: () => ['-c', fifo], says: /FIFO/ },
    { what: 'a config over 8 MiB', args: () => ['-c', t.write(`big-${++n}.yaml`, `# ${'x'.repeat(READ_LIMITS.config)}\n${service}`)], says: /at most 8 MiB/ },
    { what: 'envFile: /dev/zero', args: () => ['-c', t.write(`env-${++n}.yaml`, `envFile: /dev/zero\n${service}`)], says: /env file \/dev\/zero: is a character device/ },
    { what: 'envFile: a FIFO', args: () => ['-c', t.write(`env-${++n}.yaml`, `envFile: ${fifo}\n${service}`)], says: /FIFO/ },
    { what: 'NAME_FILE=/dev/zero', args: () => ['-c', t.write(`sec-${++n}.yaml`, `secrets: [TOKEN]\n${service}`)], env: () => ({ TOKEN_FILE: '/dev/zero' }), says: /TOKEN_FILE=\/dev\/zero: is a character device/ },
    { what: 'NAME_FILE=a FIFO', args: () => ['-c', t.write(`sec-${++n}.yaml`, `secrets: [TOKEN]\n${service}`)], env: () => ({ TOKEN_FILE: fifo }), says: /FIFO/ },
    {
      what: 'NAME_FILE over 1 MiB',
      args: () => ['-c', t.write(`sec-${++n}.yaml`, `secrets: [TOKEN]\n${service}`)],
      env: () => ({ TOKEN_FILE: t.write(`big-secret-${n}`, 's'.repeat(READ_LIMITS.secret + 1)) }),
      says: /at most 1 MiB/,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const r = await runBerth(c.args(), { env: { BERTH_READY_FILE: join(t.dir, `ready-${++n}`), ...c.env?.() }, timeoutMs: 15_000 });
      expect(r.code, refusal(r)).toBe(78);
      expect(refusal(r)).toMatch(c.says);
    });
  }

  it('berth health with its ready file on /dev/zero or a FIFO: not ready, at once', () => {
    for (const file of ['/dev/zero', fifo]) {
      const r = spawnSync(process.execPath, [BERTH, 'health'], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, BERTH_READY_FILE: file } });
      expect(r.status, file).toBe(1);
      expect(r.stderr + r.stdout).toMatch(/not a regular file/);
    }
  });
});

describe('readFileBounded', () => {
  it('reads a regular file up to the limit, and refuses one byte more', () => {
    const f = join(t.dir, `f-${++n}`);
    writeFileSync(f, 'x'.repeat(100));
    expect(readFileBounded(f, 100).length).toBe(100);
    expect(() => readFileBounded(f, 99)).toThrow(/at most 99|berth reads at most/);
  });

  it('a directory, a missing file, a symlink with noFollow: the usual words', () => {
    const words = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return whyUnreadable(e);
      }
      return 'read';
    };
    expect(words(() => readFileBounded(t.dir, 10))).toBe('it is a directory');
    expect(words(() => readFileBounded(join(t.dir, 'nope'), 10))).toBe('file not found');
    const link = join(t.dir, `link-${++n}`);
    execFileSync('ln', ['-s', '/etc/hostname', link]);
    expect(words(() => readFileBounded(link, 10, { noFollow: true }))).toBe('it is a symbolic link');
  });
});
