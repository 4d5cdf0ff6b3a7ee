#!/usr/bin/env node
'use strict';
// Runs berth's bundle (dist/berth.js, one CommonJS file) and the vendored packages it requires
// on first use (dist/vendor/*.js) with V8's code cache, so that a start does not parse and
// compile them again: the cache holds the functions a start runs, filled by `npm run build`
// (scripts/build.mjs). V8 refuses a cache made by another V8 version or with other flags;
// berth then compiles as usual and, at exit, leaves a cache for the next start if it may
// write there (an image's read-only layer: it just does not). Starts with V8 flags of their
// own (NODE_OPTIONS=--max-old-space-size=… in a Node app's image, or --expose-gc) keep a
// cache of their own, named by the flags (NAME.flags-HASH.bin, never packed): the build's
// stays as it was for the starts without.
const { readdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');
const { Script } = require('node:vm');
// Module itself: require('node:module') would load its ESM-hooks API too, 5 ms of every start
const { createRequire, wrap } = module.constructor;

const dist = join(__dirname, '../dist');
const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
const variant = flags === '' ? '' : `.flags-${fnv1a(flags)}`;
/** caches kept for other flags, per file: enough for the few a machine uses, bounded for one that varies them */
const MAX_VARIANTS = 8;
const unsaved = [];
process.once('exit', () => unsaved.forEach((save) => save()));
load(join(dist, 'berth.js'));

/** Compiles and runs one CommonJS file of dist/ with its code cache; returns its exports. */
function load(file) {
  const name = `v8-${process.versions.v8}-${process.arch}-${basename(file, '.js')}`;
  const built = join(dist, 'cache', `${name}.bin`);
  const own = join(dist, 'cache', `${name}${variant}.bin`);
  // flags V8 ignores (--enable-source-maps) have no cache of their own, and take the build's
  const cachedData = readCache(own) ?? (own === built ? undefined : readCache(built));
  // the wrapper on a line of its own: stack frames keep the file's own lines and columns
  const script = new Script(wrap(`\n${readFileSync(file, 'utf8')}`), { filename: file, cachedData, lineOffset: -1 });
  if (cachedData === undefined || script.cachedDataRejected) unsaved.push(() => save(script, own, name));
  const mod = { exports: {}, id: file, filename: file, loaded: false };
  script.runInThisContext()(mod.exports, requireFrom(file), mod, file, dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/**
 * require() for a file of dist/: the vendored packages through load(), once while they are in
 * use. Held weakly: zod and yaml are for reading a config, and once it is read nothing in
 * berth refers to them (src/config/vendor.ts), so V8 frees them; a reload loads them again.
 */
function requireFrom(file) {
  const plain = createRequire(file);
  const vendored = new Map();
  const req = (id) => {
    if (!id.startsWith('./vendor/')) return plain(id);
    const target = join(dirname(file), id);
    let exports = vendored.get(target)?.deref();
    if (exports === undefined) vendored.set(target, new WeakRef((exports = load(target))));
    return exports;
  };
  return Object.assign(req, { resolve: plain.resolve, cache: plain.cache, main: plain.main });
}

function readCache(cacheFile) {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined; // not built yet, or removed: compiled as usual
  }
}

function save(script, cacheFile, name) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const others = () => readdirSync(dirname(cacheFile)).filter((f) => f.startsWith(`${name}.flags-`) && f.endsWith('.bin') && f !== basename(cacheFile));
    if (variant !== '' && others().length >= MAX_VARIANTS) return;
    writeFileSync(tmp, script.createCachedData(), { flag: 'wx' });
    renameSync(tmp, cacheFile); // a reader sees no cache or a whole one
  } catch {
    // read-only, or no dist/cache/: the next start compiles again, as this one did
  }
}

/** FNV-1a, 32 bits, in hex: a short name for a set of flags */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
