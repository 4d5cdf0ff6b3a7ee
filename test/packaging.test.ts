// Dockerfile.example without a Docker engine: build what it copies (npm pack, then the
// same `npm install --global --prefix` its berth-build stage runs, from the local npm
// cache), run berth and the demo from that install, and check that every path and
// command the Dockerfile names exists in that install, in the repository or in dist/
// (dist/sea/berth, the single executable the php image copies: npm run build:sea).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { ROOT, runBerth, startBerth, tempDir, type Berth } from './helpers/berth.js';
import { exitWithin } from './helpers/exit.js';
import { freePort } from './helpers/net.js';

// ---- Dockerfile.example, read as data

interface Instr {
  cmd: string;
  args: string;
  line: number;
}
interface Copy {
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}
interface Stage {
  name: string;
  base: string;
  instrs: Instr[];
  copies: Copy[];
  env: Record<string, string>;
  workdir: string;
}

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; // the Debian-based official images'

function parseDockerfile(text: string): Stage[] {
  const instrs: Instr[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf !== '' && line.startsWith('#')) return; // comments inside a continued instruction
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) buf += `${line.slice(0, -1)} `;
    else {
      buf += line;
      const m = /^(\S+)\s*(.*)$/s.exec(buf)!;
      instrs.push({ cmd: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
      buf = '';
    }
  });
  const stages: Stage[] = [];
  for (const ins of instrs) {
    if (ins.cmd === 'FROM') {
      const [base, as, name] = ins.args.split(/\s+/);
      expect(as?.toUpperCase(), `FROM on line ${ins.line} names its stage`).toBe('AS');
      stages.push({ name: name!, base: base!, instrs: [], copies: [], env: { PATH: BASE_PATH }, workdir: '/' });
      continue;
    }
    const stage = stages.at(-1)!;
    stage.instrs.push(ins);
    if (ins.cmd === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, ins.args);
    if (ins.cmd === 'ENV') {
      for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]!] = m[2]!.replace(/^"|"$/g, '').replace(/\$\{?(\w+)\}?/g, (_, v: string) => stage.env[v] ?? '');
    }
    if (ins.cmd === 'COPY') {
      const words = ins.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const dest = posix.resolve(stage.workdir, paths.at(-1)!) + (paths.at(-1)!.endsWith('/') ? '/' : '');
      stage.copies.push({ from, sources: paths.slice(0, -1), dest, line: ins.line });
    }
  }
  return stages;
}

const jsonArgs = (s: string): string[] => JSON.parse(s) as string[];
const instr = (stage: Stage, cmd: string) => stage.instrs.filter((i) => i.cmd === cmd);

// ---- the build, as the berth-build stage does it

const dockerfile = readFileSync(join(ROOT, 'Dockerfile.example'), 'utf8');
const stages = parseDockerfile(dockerfile);
const stage = (name: string) => stages.find((s) => s.name === name)!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[]; bin: Record<string, string> };

let t: ReturnType<typeof tempDir>;
let prefix: string; // stands for the image's /opt/berth
let installed: string; // bin/berth in it
const SEA = join(ROOT, 'dist/sea/berth');
const seaBuilt = existsSync(SEA);
if (!seaBuilt) console.warn('skipping the checks of the php image, which copies the single executable: dist/sea/berth is missing (npm run build:sea)');

function npm(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/berth.js')), 'dist/berth.js is missing: run `npm run build` first').toBe(true);
  t = tempDir('berth-pack-');
  // a start with V8 flags of its own leaves its own code cache in dist/cache/: npm pack must leave it out
  spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'bin/berth.js'), '--version'], { stdio: 'ignore', timeout: 20_000 });
  const packed = await npm(['pack', '--pack-destination', t.dir, '--silent'], 120_000);
  expect(packed.code, packed.out).toBe(0);
  const tarball = readdirSync(t.dir).find((f) => f.endsWith('.tgz'))!;
  expect(tarball).toBe(`${pkg.name}-${pkg.version}.tgz`);

  // the RUN line of berth-build, with the image's /opt/berth replaced by a temp prefix
  const run = instr(stage('berth-build'), 'RUN').map((i) => i.args).find((a) => a.includes('npm install --global'))!;
  const flags = ['--omit=dev', '--ignore-scripts'];
  for (const f of ['--prefix /opt/berth', ...flags]) expect(run, `berth-build installs with ${f}`).toContain(f);
  prefix = join(t.dir, 'opt/berth');
  const install = ['install', '--global', '--prefix', prefix, ...flags, '--no-audit', '--no-fund', join(t.dir, tarball)];
  // the dependencies come from the local npm cache; the registry only if it lacks one
  let r = await npm([...install, '--offline'], 240_000);
  if (r.code !== 0 && /ENOTCACHED/.test(r.out)) r = await npm([...install, '--prefer-offline'], 240_000);
  expect(r.code, r.out).toBe(0);
  installed = join(prefix, 'bin/berth');
}, 300_000);
afterAll(() => t?.cleanup());

/** A container path of a stage, as a path on this machine (the repo, the install or node). */
function toHost(s: Stage, p: string): string | undefined {
  if (s.name === 'berth-build') {
    if (p === '/opt/berth' || p.startsWith('/opt/berth/')) return join(prefix, p.slice('/opt/berth'.length));
    // what `npm run build` and `npm run build:sea` make there
    if (p === '/src/dist' || p.startsWith('/src/dist/')) return join(ROOT, p.slice('/src/'.length));
    const major = /^node:(\d+)/.exec(s.base)?.[1];
    // the official node image's node; ours stands for it if it is no older
    if (p === '/usr/local/bin/node' && major && Number(major) <= Number(process.versions.node.split('.')[0])) return process.execPath;
  }
  // what each COPY put where, the later winning over the earlier, the deeper over the shallower
  const mounts: { dest: string; host: string }[] = [];
  for (const c of s.copies) {
    for (const src of c.sources) {
      const host = c.from ? toHost(stage(c.from), src) : join(ROOT, src);
      if (!host || !existsSync(host)) continue;
      const dest = statSync(host).isDirectory() || !c.dest.endsWith('/') ? c.dest.replace(/(.)\/$/, '$1') : posix.join(c.dest, posix.basename(src));
      mounts.unshift({ dest, host });
    }
  }
  const m = mounts.filter((x) => p === x.dest || p.startsWith(x.dest === '/' ? '/' : `${x.dest}/`)).sort((a, b) => b.dest.length - a.dest.length)[0];
  return m && join(m.host, p.slice(m.dest.length));
}

/** `p` in stage `s` is the executable, copied there from a stage that builds it (the scratch stage `berth`) */
function copiedFromSea(s: Stage, p: string): boolean {
  return s.copies.some((c) => c.from !== undefined && c.dest === p && c.sources.some((src) => toHost(stage(c.from!), src) === SEA));
}

function whichIn(s: Stage, cmd: string): string | undefined {
  for (const dir of s.env.PATH!.split(':')) {
    const host = toHost(s, posix.join(dir, cmd));
    if (host && existsSync(host)) return host;
  }
  return undefined;
}

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

describe('the install Dockerfile.example builds', () => {
  it('holds no single executable: npm pack leaves dist/sea/ out', () => {
    expect(existsSync(join(prefix, 'lib/node_modules/berth/dist/berth.js'))).toBe(true);
    expect(existsSync(join(prefix, 'lib/node_modules/berth/dist/sea'))).toBe(false);
  });

  it("holds the build's code cache, and no cache a start with other V8 flags left beside it", () => {
    expect(readdirSync(join(ROOT, 'dist/cache')).some((f) => f.includes('.flags-'))).toBe(true); // there to be left out
    const cache = readdirSync(join(prefix, 'lib/node_modules/berth/dist/cache'));
    for (const part of ['berth', 'zod', 'yaml']) expect(cache.some((f) => f.endsWith(`-${part}.bin`)), part).toBe(true);
    expect(cache.filter((f) => f.includes('.flags-'))).toEqual([]);
  });

  it('is a global npm install with berth on its PATH: berth --version', () => {
    expect(executable(installed)).toBe(true);
    const r = spawnSync(installed, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env.PATH}` }, timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.status).toBe(0);
  });

  it('holds no dev dependency', () => {
    const modules = join(prefix, 'lib/node_modules/berth/node_modules');
    const devDeps = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies);
    for (const d of devDeps) expect(existsSync(join(modules, d)), `${d} is a dev dependency`).toBe(false);
  });

  it('runs the demo: ready, berth health passes, then a clean stop on SIGTERM with exit 0', async () => {
    const demo = join(prefix, 'lib/node_modules/berth/examples/demo/berth.yaml');
    const data = join(t.dir, 'demo-data');
    const port = await freePort();
    const b: Berth = startBerth(['-c', demo], { bin: installed, env: { DEMO_DATA: data, PORT: String(port), DISABLE_DB_MIGRATIONS: undefined, BERTH_READY_FILE: undefined } });
    try {
      const ready = await b.waitForEvent('ready', {}, 30_000);
      expect(ready.readyFile).toBe(join(data, 'ready'));
      // koffi's prebuilt binary loads without its install script having run
      expect(b.events('pid1.unavailable')).toEqual([]);
      const health = await runBerth(['health', '--ready-file', join(data, 'ready')], { bin: installed, timeoutMs: 20_000 });
      expect(health.code, health.stderr).toBe(0);
      b.kill('SIGTERM');
      expect(await exitWithin(b, 20_000)).toEqual({ code: 0, signal: null });
      expect(b.events('shutdown.done')).toEqual([expect.objectContaining({ status: 0 })]);
      const after = await runBerth(['health', '--ready-file', join(data, 'ready')], { bin: installed, timeoutMs: 20_000 });
      expect(after.code).toBe(1);
    } finally {
      if (b.proc.exitCode === null && b.proc.signalCode === null) b.kill('SIGKILL');
    }
  });
});

describe('Dockerfile.example names only what exists', () => {
  const targets = ['php-nginx', 'php-laravel', 'node-monorepo'];

  it('has the three targets, each with berth as ENTRYPOINT and `berth health` as HEALTHCHECK', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['berth-build', ...targets]));
    for (const name of targets) {
      const s = stage(name);
      expect(instr(s, 'ENTRYPOINT').map((i) => jsonArgs(i.args)), name).toEqual([['berth']]);
      const hc = instr(s, 'HEALTHCHECK');
      expect(hc, name).toHaveLength(1);
      expect(jsonArgs(/\bCMD\s+(\[.*\])$/.exec(hc[0]!.args)![1]!), name).toEqual(['berth', 'health']);
    }
  });

  it('copies sources that exist in the repository', () => {
    for (const s of stages) {
      for (const c of s.copies.filter((x) => !x.from)) {
        for (const src of c.sources) expect(existsSync(join(ROOT, src)), `${s.name}: COPY ${src} (line ${c.line})`).toBe(true);
      }
    }
  });

  it('sends every COPY source in the build context: Dockerfile.example.dockerignore leaves them in', () => {
    // BuildKit's per-Dockerfile ignore file; its patterns here are names or **/names
    const ignored = readFileSync(join(ROOT, 'Dockerfile.example.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const glob = (p: string) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    // enough for the patterns this file uses: one name, at the root or (**/) anywhere
    const matches = (pattern: string, path: string) => {
      const anywhere = pattern.startsWith('**/');
      const name = anywhere ? pattern.slice(3) : pattern;
      expect(name, `a pattern this test understands: ${pattern}`).not.toContain('/');
      const parts = path.split('/');
      return anywhere ? parts.some((seg) => glob(name).test(seg)) : glob(name).test(parts[0]!);
    };
    for (const s of stages) {
      for (const c of s.copies.filter((x) => !x.from)) {
        for (const src of c.sources) for (const p of ignored) expect(matches(p, src.replace(/\/$/, '')), `${s.name}: COPY ${src} is excluded by ${p}`).toBe(false);
      }
    }
    expect(matches('**/node_modules', 'examples/demo/node_modules')).toBe(true);
    expect(matches('dist', 'dist')).toBe(true);
  });

  it('runs only npm scripts that package.json has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    for (const s of stages) for (const i of instr(s, 'RUN')) for (const m of i.args.matchAll(/npm run (\S+)/g)) expect(scripts, `${s.name}: RUN npm run ${m[1]} (line ${i.line})`).toContain(m[1]);
  });

  it('copies into berth-build everything npm pack packs, and the build inputs', () => {
    const copied = stage('berth-build').copies.filter((c) => !c.from).flatMap((c) => c.sources.map((src) => src.replace(/\/$/, '')));
    // dist/ is what `npm run build` makes there, from src/ with scripts/build.mjs
    const packed = pkg.files.map((f) => f.replace(/\/$/, '')).filter((f) => f !== 'dist' && existsSync(join(ROOT, f)));
    for (const f of [...packed, 'package.json', 'package-lock.json', 'scripts', 'src']) expect(copied, `berth-build copies ${f}`).toContain(f);
    expect(instr(stage('berth-build'), 'RUN').some((i) => /npm run build\b.*npm pack\b/.test(i.args))).toBe(true);
  });

  it('copies from other stages only what they hold', () => {
    for (const s of stages) {
      for (const c of s.copies.filter((x) => x.from)) {
        for (const src of c.sources) {
          const host = toHost(stage(c.from!), src);
          if (!seaBuilt && (host?.startsWith(SEA) || copiedFromSea(stage(c.from!), src))) continue; // npm test before npm run build:sea
          expect(host && existsSync(host), `${s.name}: COPY --from=${c.from} ${src} (line ${c.line})`).toBe(true);
        }
      }
    }
  });

  it('finds the ENTRYPOINT and HEALTHCHECK commands on each image’s PATH, and its paths in what it copied', () => {
    for (const name of targets.filter((n) => seaBuilt || !n.startsWith('php-'))) {
      const s = stage(name);
      const berth = whichIn(s, 'berth');
      expect(berth, `${name}: berth on PATH=${s.env.PATH}`).toBeDefined();
      expect(executable(berth!), `${name}: ${berth} is executable`).toBe(true);
      expect(existsSync(toHost(s, s.workdir) ?? '/nonexistent') || s.workdir === '/', `${name}: WORKDIR ${s.workdir}`).toBe(true);
      for (const [k, v] of Object.entries(s.env)) {
        if (k === 'PATH' || !isAbsolute(v)) continue;
        expect(toHost(s, v) && existsSync(toHost(s, v)!), `${name}: ENV ${k}=${v}`).toBe(true);
      }
    }
  });

  it.each(['php-nginx', 'php-laravel'])('%s: no Node, only the one file /berth from the berth stage, and no libstdc++ step', (name) => {
    const s = stage(name);
    expect(s.copies.filter((c) => c.from).map((c) => ({ from: c.from, sources: c.sources, dest: c.dest }))).toEqual([{ from: 'berth', sources: ['/berth'], dest: '/usr/local/bin/berth' }]);
    expect(stage('berth').base).toBe('scratch');
    expect(stage('berth').copies.map((c) => ({ from: c.from, sources: c.sources, dest: c.dest }))).toEqual([{ from: 'berth-build', sources: ['/src/dist/sea/berth'], dest: '/berth' }]);
    const runs = instr(s, 'RUN').map((i) => i.args).join('\n');
    expect(runs).not.toMatch(/\bnode(js)?\b|libstdc\+\+/);
    expect(s.env.PATH).toBe(BASE_PATH);
    // the executable is built after npm pack, so the npm package never holds it
    expect(instr(stage('berth-build'), 'RUN').some((i) => /npm pack\b.*npm run build:sea\b/.test(i.args))).toBe(true);
  });

  it("node-monorepo: berth check passes for ./berth.yaml in the image's WORKDIR", async () => {
    const s = stage('node-monorepo');
    const cwd = toHost(s, s.workdir)!;
    expect(existsSync(join(cwd, 'berth.yaml'))).toBe(true);
    const env = { ...hostEnv(s), POSTGRES_PASSWORD: 'check-only', PGHOST: undefined, PGPORT: undefined };
    const r = await runBerth(['check'], { bin: installed, cwd, env, timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^berth check: ok — 2 task\(s\), 1 service\(s\)/);
    expect(r.code).toBe(0);
  });

  const fpm = ['php-fpm', 'php-fpm8.2'].some((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0) && spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
  it.skipIf(!fpm || !seaBuilt)(`php-nginx: the executable's berth check passes for BERTH_CONFIG${fpm ? '' : ' (skipped: php-fpm or nginx is not installed)'}`, async () => {
    const s = stage('php-nginx');
    const r = await runBerth(['check'], { exe: whichIn(s, 'berth'), cwd: t.dir, env: hostEnv(s), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^berth check: ok/);
  });
});

/** The image's ENV with its paths as this machine's: what berth would see inside. */
function hostEnv(s: Stage): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(s.env)) {
    if (k === 'PATH') continue;
    env[k] = isAbsolute(v) ? (toHost(s, v) ?? v) : v;
  }
  return env;
}
