// The bundle, built for start-up speed (bench/startup.mjs):
//
// - dist/berth.js: berth's own code and what every start needs (pino, signal-exit), one
//   CommonJS file. bin/berth.js compiles it with V8's code cache (dist/cache/), so a start
//   neither parses it nor goes through Node's ESM loader, whose resolving and linking of a
//   dozen split chunks cost more than berth's own work did.
// - dist/vendor/*.js: what only some runs need, each its own file, required on first use:
//   zod and yaml (a config file), wait-on (waitFor), croner (jobs). zod's file holds only the
//   functions berth uses (src/config/zod-api.ts) and what they need: esbuild drops the rest
//   of zod's ES modules, which are marked free of side effects.
// - koffi stays in node_modules: it ships native binaries.
//
// After bundling, one start of berth fills the code cache with the functions a start runs.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const VENDORED = ['zod', 'yaml', 'wait-on', 'croner'];
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.5',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // import() becomes require(): bin/berth.js runs the bundle as a vm.Script, which has no ESM loader
  supported: { 'dynamic-import': false },
};

const STUBS = {
  transport: "module.exports = function transport() { throw new Error('pino transports are not part of the berth bundle'); };",
  worker_threads: 'module.exports = { isMainThread: true };',
  assert: "module.exports = function assert(ok, message) { if (!ok) throw new Error(message || 'assertion failed'); };",
};
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const lean = {
  name: 'berth-lean',
  setup(b) {
    // What pino loads for features berth does not use (it writes through its own sink, on
    // the main thread), replaced by a few lines, so that no start pays for them:
    // pino.transport() (worker threads, thread-stream) throws; worker_threads is asked only
    // isMainThread; sonic-boom's assert() checks options berth never passes to it.
    b.onResolve({ filter: /^(\.\/(lib\/)?transport|worker_threads|assert)$/ }, (args) => {
      const stub = /[\\/]node_modules[\\/](pino|sonic-boom)[\\/]/.test(args.importer) ? STUBS[args.path.replace(/^.*\//, '')] : undefined;
      return stub === undefined ? undefined : { path: args.path, namespace: 'stub', pluginData: stub };
    });
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: args.pluginData, loader: 'js' }));
    // a vendored package is its own file, required only where berth imports it
    b.onResolve({ filter: /^[\w@][\w@./-]*$/ }, (args) => {
      const name = VENDORED.find((v) => args.path === v || args.path.startsWith(`${v}/`));
      if (name && args.path === name) return { path: `./vendor/${name}.js`, external: true };
      if (name) throw new Error(`import ${args.path}: only the package root of ${name} is vendored`);
      return builtins.has(args.path) ? { path: args.path, external: true } : undefined;
    });
  },
};

// zod's messages in English only: its other languages (z.locales, some 40 of them, which berth
// never selects) would be 200 KiB of source every start reads and keeps for good
const englishOnly = {
  name: 'berth-zod-english',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '../locales/en') + args.path.slice(args.path.lastIndexOf('.')), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)};`, loader: 'js', resolveDir: dirname(args.path) }));
  },
};

// build beside dist/ and swap it in, so a test running berth never sees half a build
const dist = join(root, 'dist');
const next = join(root, `.dist-${process.pid}`);
const old = join(root, `.dist-old-${process.pid}`);
mkdirSync(join(next, 'cache'), { recursive: true });
writeFileSync(join(next, 'package.json'), '{ "type": "commonjs" }\n'); // .js under dist/ is CommonJS
await build({
  ...common,
  entryPoints: { berth: join(root, 'src/cli.ts') },
  outdir: next,
  // for an internal error's stack (src/output/stack.ts): lines, not sources
  sourcemap: 'external',
  sourcesContent: false,
  external: ['koffi'],
  plugins: [lean],
  // import.meta.url (createRequire) works from the file's own URL; the version is a constant
  define: { 'import.meta.url': '__berthFileUrl', __BERTH_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
  banner: { js: "const __berthFileUrl = require('node:url').pathToFileURL(__filename).href;" },
});
const installed = createRequire(join(root, 'package.json'));
for (const name of VENDORED) {
  // node_modules older than package.json (npm ci not run yet): that package's feature fails with why, the rest builds
  let entry = name === 'zod' ? { entryPoints: [join(root, 'src/config/zod-api.ts')] } : { stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' } };
  try {
    installed.resolve(name);
  } catch {
    console.warn(`build: ${name} is not installed (run npm ci); what needs it will fail`);
    const contents = `throw new Error(${JSON.stringify(`${name} is not in this build of berth (npm ci was not run before npm run build)`)});`;
    entry = { stdin: { contents, resolveDir: root, loader: 'js' } };
  }
  await build({
    ...common,
    ...entry,
    outfile: join(next, 'vendor', `${name}.js`),
    plugins: name === 'zod' ? [englishOnly] : [],
  });
}
try {
  renameSync(dist, old);
} catch {
  // no earlier build
}
renameSync(next, dist);
// the cache is filled by one start that loads a config file (zod, yaml), runs a task and a
// service, and shuts down: what every start of a container does, nothing more
const scratch = mkdtempSync(join(tmpdir(), 'berth-build-'));
writeFileSync(join(scratch, 'berth.yaml'), 'tasks:\n  - name: warm\n    command: ["true"]\nservices:\n  main:\n    command: ["true"]\n');
// no NODE_OPTIONS: the build's cache is for starts without V8 flags (bin/berth.js)
const { NODE_OPTIONS: _flags, ...buildEnv } = process.env;
const trained = spawnSync(process.execPath, [join(root, 'bin/berth.js'), '-c', join(scratch, 'berth.yaml')], {
  // its own socket: another berth may hold the default; no termination report (as root it would land in /dev)
  env: { ...buildEnv, BERTH_READY_FILE: join(scratch, 'ready'), BERTH_CONTROL: join(scratch, 'control.sock'), BERTH_TERMINATION_LOG: 'false', BERTH_LOG_LEVEL: 'warn' },
  cwd: scratch,
  stdio: ['ignore', 'ignore', 'inherit'],
  timeout: 60_000,
});
rmSync(scratch, { recursive: true, force: true });
if (trained.status !== 0 || readdirSync(join(dist, 'cache')).length < 3) {
  // the new build cannot run: put the earlier one back
  rmSync(dist, { recursive: true, force: true });
  try {
    renameSync(old, dist);
  } catch {
    // there was none
  }
  throw new Error(`the built berth failed its first run (status ${trained.status}, ${trained.error?.message ?? 'no error'}); dist/ is unchanged`);
}
rmSync(old, { recursive: true, force: true });
