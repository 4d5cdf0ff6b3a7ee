#!/usr/bin/env node
'use strict';
// Runs berth's bundle (dist/berth.js, one CommonJS file) with V8's code cache, so that a
// start does not parse and compile it again: the cache holds the functions a start runs,
// filled by `npm run build` (scripts/build.mjs). V8 refuses a cache made by another V8
// version or with other flags; berth then compiles as usual and, at exit, leaves a cache for
// the next start if it may write there (an image's read-only layer: it just does not).
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');
// Module itself: require('node:module') would load its ESM-hooks API too, 5 ms of every start
const { createRequire, wrap } = module.constructor;

const file = join(__dirname, '../dist/berth.js');
const source = readFileSync(file, 'utf8');
const cacheFile = join(dirname(file), 'cache', `v8-${process.versions.v8}-${process.arch}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // not built yet, or removed: compiled as usual
}
const script = new Script(wrap(source), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) process.once('exit', saveCache);
const bundle = { exports: {}, id: file, filename: file, loaded: false };
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file));

function saveCache() {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData(), { flag: 'wx' });
    renameSync(tmp, cacheFile); // a reader sees no cache or a whole one
  } catch {
    // read-only, or no dist/cache/: the next start compiles again, as this one did
  }
}
