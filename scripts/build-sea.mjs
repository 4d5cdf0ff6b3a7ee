// `npm run build:sea`: dist/sea/berth, berth as one executable file for images without
// Node (Node's single executable applications; scripts/README.md). Run after
// `npm run build`, whose dist/ it packs; `npm run build` removes dist/sea/ again.
//
// 1. Node 22 for this machine's architecture, from the npm package node-linux-<arch>@22
//    (or the node binary named by BERTH_SEA_NODE), stripped of its symbols.
// 2. The assets: dist/berth.js, dist/vendor/*.js, their source maps, koffi's native
//    module and its version. The entry is scripts/sea-main.cjs.
// 3. Injected with postject (Node 22 has no `--build-sea`), run once with
//    BERTH_SEA_TRAIN so that the executable itself writes the code cache for its own V8
//    and flags, then built again with that cache among the assets, and run once more to
//    check that V8 takes all of it.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const out = join(dist, 'sea', 'berth');
const NODE_MAJOR = 22;
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'; // Node's, in every node binary
const require = createRequire(import.meta.url);

if (process.platform !== 'linux') throw new Error(`build:sea builds for Linux only, not ${process.platform}`);
if (!existsSync(join(dist, 'berth.js'))) throw new Error('dist/berth.js is missing: run `npm run build` first');
const work = mkdtempSync(join(tmpdir(), 'berth-sea-'));
try {
  const node = nodeBinary();
  const assets = bundleAssets();
  const train = join(work, 'cache');
  mkdirSync(train);
  const first = inject(node, assets, 'first');
  const status = runOnce(first, train);
  if (status !== 0) throw new Error(`the executable failed its training run (status ${status})`);
  const caches = readdirSync(train).filter((f) => f.endsWith('.bin'));
  if (caches.length < 3) throw new Error(`the training run left ${caches.length} code cache(s), not berth, zod and yaml`);
  for (const f of caches) assets[`cache/${f}`] = join(train, f);
  const final = inject(node, assets, 'final');
  // the same run again: with every cache taken, nothing is left to write
  const check = join(work, 'check');
  mkdirSync(check);
  if (runOnce(final, check) !== 0) throw new Error('the executable failed its check run');
  const refused = readdirSync(check);
  if (refused.length) throw new Error(`V8 refused the executable's own code cache for ${refused.join(', ')}`);
  mkdirSync(dirname(out), { recursive: true });
  renameSync(final, out); // the same filesystem (dist/sea/): a reader sees the old file or the new one
  console.log(`${out}: Node ${version(node)}, ${(readFileSync(out).length / 2 ** 20).toFixed(1)} MiB, ${caches.length} code caches`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** a stripped copy of Node 22 for this architecture */
function nodeBinary() {
  let src = process.env.BERTH_SEA_NODE;
  if (!src) {
    const cache = join(root, 'node_modules', '.cache', 'berth-sea');
    mkdirSync(cache, { recursive: true });
    const pack = spawnSync('npm', ['pack', `node-linux-${process.arch}@${NODE_MAJOR}`, '--pack-destination', cache, '--silent'], { cwd: cache, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack node-linux-${process.arch}@${NODE_MAJOR} failed: ${pack.stderr}`);
    const tarball = join(cache, pack.stdout.trim().split('\n').at(-1));
    const unpacked = join(work, 'node');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, 'package/bin/node'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`could not unpack ${tarball}`);
    src = join(unpacked, 'package', 'bin', 'node');
  }
  const node = join(work, 'node-stripped');
  copyFileSync(src, node);
  chmodSync(node, 0o755);
  // the symbols are 17 MB of the 125; without strip (binutils) the executable is just larger
  const strip = spawnSync('strip', [node]);
  if (strip.error) console.warn(`build:sea: strip: ${strip.error.message}; the executable keeps Node's symbols`);
  const v = version(node);
  if (!v.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`${src} is Node ${v}, not ${NODE_MAJOR}`);
  return node;
}

function version(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** asset name → file */
function bundleAssets() {
  const assets = {};
  for (const f of readdirSync(dist).filter((f) => /\.js(\.map)?$/.test(f))) assets[f] = join(dist, f);
  for (const f of readdirSync(join(dist, 'vendor')).filter((f) => /\.js(\.map)?$/.test(f))) assets[`vendor/${f}`] = join(dist, 'vendor', f);
  // koffi's native module for glibc on this architecture (koffi.ts loads it on musl from node_modules only)
  const koffi = join(root, 'node_modules', 'koffi');
  const { version: koffiVersion } = JSON.parse(readFileSync(join(koffi, 'package.json'), 'utf8'));
  const platformPackage = `@koromix/koffi-linux-${process.arch}`;
  const native = [join(koffi, '..', platformPackage), join(koffi, 'node_modules', platformPackage)].map((d) => join(d, `linux_${process.arch}`, 'koffi.node')).find(existsSync);
  if (!native) throw new Error(`${platformPackage} is not installed: koffi's native module for linux ${process.arch} is missing`);
  assets['koffi.node'] = native;
  writeFileSync(join(work, 'koffi.version'), koffiVersion);
  assets['koffi.version'] = join(work, 'koffi.version');
  return assets;
}

/** node with a preparation blob of these assets injected: the executable's path */
function inject(node, assets, name) {
  const config = join(work, `${name}.json`);
  const blob = join(work, `${name}.blob`);
  writeFileSync(config, JSON.stringify({ main: join(root, 'scripts', 'sea-main.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgvExtension: 'none', assets }));
  run(node, ['--experimental-sea-config', config]);
  // beside the output, so that the rename into place is not a copy across filesystems
  mkdirSync(dirname(out), { recursive: true });
  const exe = join(dirname(out), `.berth-${name}-${process.pid}`);
  copyFileSync(node, exe);
  run(process.execPath, [join(dirname(require.resolve('postject')), 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  chmodSync(exe, 0o755);
  return exe;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
}

/** berth's start in a container, as scripts/build.mjs trains the npm form's cache */
function runOnce(exe, trainDir) {
  const scratch = mkdtempSync(join(work, 'run-'));
  writeFileSync(join(scratch, 'berth.yaml'), 'tasks:\n  - name: warm\n    command: ["true"]\nservices:\n  main:\n    command: ["true"]\n');
  const r = spawnSync(exe, ['-c', join(scratch, 'berth.yaml')], {
    // its own ready file and control socket: a berth running on this machine holds the defaults
    // and no termination report (as root it would land in /dev)
    env: { ...process.env, BERTH_SEA_TRAIN: trainDir, BERTH_READY_FILE: join(scratch, 'ready'), BERTH_CONTROL: join(scratch, 'control.sock'), BERTH_TERMINATION_LOG: 'false', BERTH_LOG_LEVEL: 'warn' },
    cwd: scratch,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 60_000,
  });
  if (exe.includes('.berth-first-')) rmSync(exe, { force: true });
  return r.status;
}
