// zod and yaml, required where a config is read and never held by a module: once the config
// is loaded nothing refers to them, and V8 frees them with the schemas (2.5 MB of an idle
// berth's 8 MB heap); a reload or `berth schema` requires them again. The bundle's require
// (bin/berth.js, the executable's scripts/sea-main.cjs) holds a loaded package weakly.
import { createRequire } from 'node:module';
import type * as ZodApi from './zod-api.js';
import type * as Yaml from 'yaml';

/** The part of zod berth uses (zod-api.ts): in the bundle, all its vendored file holds. */
export type Zod = typeof ZodApi;

export function requireZod(): Zod {
  // the bundle turns require('zod') into its vendored file (a literal name, for esbuild to see);
  // where a module has no require, Node's own
  const zod = (typeof require === 'function' ? require('zod') : createRequire(import.meta.url)('zod')) as Zod;
  // zod keeps its registry and settings on globalThis as well as in its own exports, where it
  // reads them: the global copies alone would keep every zod alive for good
  const global = globalThis as { __zod_globalRegistry?: unknown; __zod_globalConfig?: unknown };
  delete global.__zod_globalRegistry;
  delete global.__zod_globalConfig;
  return zod;
}

export function requireYaml(): typeof Yaml {
  return (typeof require === 'function' ? require('yaml') : createRequire(import.meta.url)('yaml')) as typeof Yaml;
}
