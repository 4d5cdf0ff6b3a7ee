#!/usr/bin/env node
'use strict';
// Runs berth's bundle (dist/berth.js, one CommonJS file) and the vendored packages it requires
// on first use (dist/vendor/*.js) with V8's code cache, so that a start does not parse and
// compile them again: the cache holds the functions a start runs, filled by `npm run build`
// (scripts/build.mjs). V8 refuses a cache made by another V8 version or with other flags;
// berth then compiles as usual and, at exit, leaves a cache for the next start if it may
// write there (an image's read-only layer: it just does not).
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');
const { Script } = require('node:vm');
// Module itself: require('node:module') would load its ESM-hooks API too, 5 ms of every start
const { createRequire, wrap } = module.constructor;

const dist = join(__dirname, '../dist');
const unsaved = [];
process.once('exit', () => unsaved.forEach((save) => save()));
load(join(dist, 'berth.js'));

/** Compiles and runs one CommonJS file of dist/ with its code cache; returns its exports. */
function load(file) {
  const cacheFile = join(dist, 'cache', `v8-${process.versions.v8}-${process.arch}-${basename(file, '.js')}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // not built yet, or removed: compiled as usual
  }
  // the wrapper on a line of its own: stack frames keep the file's own lines and columns
  const script = new Script(wrap(`\n${readFileSync(file, 'utf8')}`), { filename: file, cachedData, lineOffset: -1 });
  if (cachedData === undefined || script.cachedDataRejected) unsaved.push(() => save(script, cacheFile));
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

function save(script, cacheFile) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData(), { flag: 'wx' });
    renameSync(tmp, cacheFile); // a reader sees no cache or a whole one
  } catch {
    // read-only, or no dist/cache/: the next start compiles again, as this one did
  }
}
