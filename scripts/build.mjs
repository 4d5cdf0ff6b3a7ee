// One-file bundle for start-up speed. Code that only some runs need (config parsing,
// wait-on, presets) is split into chunks loaded on first use; koffi stays external
// because it ships native binaries.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';

// build beside dist/ and swap it in, so a test running berth never sees half a build
const dist = new URL('../dist', import.meta.url);
const next = new URL(`../.dist-${process.pid}`, import.meta.url);
const old = new URL(`../.dist-old-${process.pid}`, import.meta.url);
await build({
  entryPoints: { berth: 'src/cli.ts' },
  outdir: next.pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.5',
  external: ['koffi'],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (pino) call require(); give the ESM bundle one
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});
try {
  renameSync(dist, old);
} catch {
  // no earlier build
}
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
