// What only some runs need is not loaded by the others: `berth -- CMD` without a config file
// reads no vendored package (zod and yaml are for a config file, wait-on for waitFor,
// croner for jobs). A zod import on the no-config path cost every start ~20 ms.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { ROOT, runBerth, startBerth, tempDir } from '../helpers/berth.js';
import { exitOf } from '../helpers/exit.js';
import { runCtl } from '../helpers/ctl.js';
import { waitUntil } from '../helpers/faults.js';
import { binaries, prepareExample } from '../fixtures/presets/php-nginx.js';

const t = tempDir('berth-lazy-');
afterAll(() => t.cleanup());

function vendoredReadBy(args: string[], name: string): string[] {
  const record = join(t.dir, `${name}.reads`);
  const r = spawnSync(process.execPath, ['--require', join(ROOT, 'test/fixtures/preload/record-reads.cjs'), join(ROOT, 'bin/berth.js'), ...args], {
    cwd: t.dir,
    env: { ...process.env, RECORD_READS: record, BERTH_READY_FILE: join(t.dir, `${name}.ready`), BERTH_CONTROL: join(t.dir, `${name}-ctl`, 'control.sock'), BERTH_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(existsSync(record)).toBe(true);
  return readFileSync(record, 'utf8').split('\n').filter((f) => f.includes('/vendor/')).map((f) => f.replace(/.*\/vendor\//, ''));
}

describe('the vendored packages are loaded only by the runs that need them', () => {
  it('berth -- true without a config file reads none', () => {
    expect(vendoredReadBy(['--', 'true'], 'bare')).toEqual([]);
  });

  it('a config file loads zod and yaml (so the recording sees them)', () => {
    const config = join(t.dir, 'berth.yaml');
    writeFileSync(config, 'services:\n  t:\n    command: [true]\n');
    expect(vendoredReadBy(['-c', config], 'config')).toEqual(expect.arrayContaining(['zod.js', 'yaml.js']));
  });

  // zod whole is 349 KB that a start read and compiled, for nine of its functions
  it("the vendored zod holds the functions berth uses (src/config/zod-api.ts), not the rest of zod", () => {
    const vendored = createRequire(import.meta.url)(join(ROOT, 'dist/vendor/zod.js')) as Record<string, unknown>;
    expect(Object.keys(vendored)).toEqual(['z']);
    expect(Object.keys(vendored.z as object).sort()).toEqual(['NEVER', 'array', 'config', 'enum', 'record', 'strictObject', 'string', 'toJSONSchema', 'unknown']);
  });
});

// An idle berth's resident memory (issue 7/7) is also Node's own modules and data it touched:
// node:crypto is for presets' digests, node:perf_hooks was only performance.now(), and
// toISOString maps 640 KB of ICU's data in. A berth with a probe and no presets needs none.
describe("Node's modules and data an idle berth does not need", () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  /** the built-ins a berth loaded running `serve` (a node -e script) with `ready`, to ready and stopped */
  async function builtinsOfIdle(name: string, serve: string, ready: string): Promise<string[]> {
    const config = join(t.dir, `${name}.yaml`);
    writeFileSync(config, `services:\n  s:\n    command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(serve)}]\n    ready: ${ready}\n`);
    const record = join(t.dir, `${name}.builtins`);
    const b = startBerth(['--require', join(ROOT, 'test/fixtures/preload/record-builtins.cjs'), join(ROOT, 'bin/berth.js'), '-c', config], {
      bin: undefined,
      exe: process.execPath,
      env: { RECORD_BUILTINS: record },
    });
    await b.waitForEvent('ready');
    await b.waitFor((l) => l.service === 's' && l.msg === 'hello', 10_000, 'the service line, relayed with a time');
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
    const loaded = readFileSync(record, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule net'); // the recording works
    return loaded;
  }

  // requiring node:crypto for the digest a reload compares cost ~10 ms of every start with presets
  it.skipIf(binaries.missing)('berth check of php-fpm and nginx through their presets: both tested, no node:crypto', async () => {
    const ex = await prepareExample();
    try {
      const record = join(t.dir, 'presets.builtins');
      const r = await runBerth(['--require', join(ROOT, 'test/fixtures/preload/record-builtins.cjs'), join(ROOT, 'bin/berth.js'), 'check', ...ex.args()], {
        bin: undefined,
        exe: process.execPath,
        env: { ...ex.env, RECORD_BUILTINS: record },
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const loaded = readFileSync(record, 'utf8').split('\n');
      // nginx after php-fpm is the cross-check's, from what both config tests printed
      expect(r.stdout).toContain('start: php-fpm, then nginx');
      expect(loaded).toContain('NativeModule net'); // the recording works
      expect(loaded.filter((m) => m === 'NativeModule crypto')).toEqual([]);
    } finally {
      ex.remove();
    }
  });

  it('a service with a TCP probe, ready, then stopped: no node:crypto, no node:perf_hooks, no toISOString', async () => {
    const port = await freePort();
    const loaded = await builtinsOfIdle('probe', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('hello'))`, `tcp://127.0.0.1:${port}`);
    expect(loaded.filter((m) => /^NativeModule (crypto|perf_hooks)$/.test(m))).toEqual([]);
    expect(loaded).toContain('toISOString 0');
  });

  // node:http is 0.5 MiB of an idle berth for good once loaded; a GET's status line needs none of it
  it('a service with an http probe: ready without node:http', async () => {
    const port = await freePort();
    const serve = `require('http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1', () => console.log('hello'))`;
    const loaded = await builtinsOfIdle('http-probe', serve, `http://127.0.0.1:${port}/health`);
    expect(loaded.filter((m) => /^NativeModule (_?https?|_http_\w+)$/.test(m))).toEqual([]);
  });
});

// zod and yaml are 2.5 MB of an idle berth's heap: once the config is read nothing holds them
// (src/config/vendor.ts), the loader keeps them weakly, and a reload loads them again.
describe('zod and yaml are let go once the config is read', () => {
  it('both are freed after start, and a reload reads them again and succeeds', async () => {
    const config = join(t.dir, 'released.yaml');
    writeFileSync(config, 'services:\n  s:\n    command: [sleep, "1000"]\n');
    const released = join(t.dir, 'released.txt');
    const reads = join(t.dir, 'released.reads');
    writeFileSync(released, '');
    const control = join(t.dir, 'released-ctl', 'control.sock');
    const preload = (name: string) => ['--require', join(ROOT, 'test/fixtures/preload', name)];
    const b = startBerth(['--expose-gc', ...preload('record-released.cjs'), ...preload('record-reads.cjs'), join(ROOT, 'bin/berth.js'), '-c', config], {
      exe: process.execPath,
      env: { RECORD_RELEASED: released, RECORD_READS: reads, BERTH_CONTROL: control },
    });
    await b.waitForEvent('ready');
    const freed = () => readFileSync(released, 'utf8').split('\n').filter(Boolean);
    await waitUntil(() => freed().includes('zod') && freed().includes('yaml'), 'zod and yaml freed by V8', 20_000);
    const r = await runCtl(['reload'], { control });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await b.waitForEvent('reload.done');
    const zodReads = readFileSync(reads, 'utf8').split('\n').filter((f) => f.endsWith('/vendor/zod.js'));
    expect(zodReads).toHaveLength(2); // at start, and again for the reload
    b.kill('SIGTERM');
    expect((await exitOf(b)).code).toBe(0);
  });
});
