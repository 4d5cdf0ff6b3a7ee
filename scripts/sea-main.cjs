'use strict';
// The single executable's entry (scripts/build-sea.mjs). What bin/berth.js does from
// dist/, this does from the executable's assets: berth's bundle (berth.js) and the
// vendored packages it requires on first use (vendor/*.js), each compiled with the V8
// code cache that this very executable made when the build ran it (cache/*.bin), so V8
// never refuses it. Only Node's built-in modules exist here: no node_modules, no files.
//
// BERTH_SEA_TRAIN=DIR is for the build alone: every script whose cache is missing or
// refused leaves one in DIR at exit (none left: the caches inside were all taken).
const { getAsset } = require('node:sea');
const { renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const train = process.env.BERTH_SEA_TRAIN;
delete process.env.BERTH_SEA_TRAIN; // berth's children never see it
const unsaved = [];
if (train) process.once('exit', () => unsaved.forEach((save) => save()));
// held weakly, as bin/berth.js does: see there
const vendored = new Map();
load('berth');

/** Compiles and runs berth.js or vendor/NAME.js with its code cache; returns its exports. */
function load(name) {
  const file = name === 'berth' ? 'berth.js' : `vendor/${name}.js`;
  const cached = asset(`cache/${name}.bin`);
  // stack frames name the asset inside the executable: /usr/local/bin/berth/berth.js:1:2345
  const filename = join(process.execPath, file);
  // the wrapper on a line of its own: stack frames keep the file's own lines and columns
  const script = new Script(wrap(`\n${Buffer.from(getAsset(file)).toString('utf8')}`), { filename, cachedData: cached && Buffer.from(cached), lineOffset: -1 });
  if (train && (cached === undefined || script.cachedDataRejected)) unsaved.push(() => save(script, join(train, `${name}.bin`)));
  const mod = { exports: {}, id: filename, filename, loaded: false };
  script.runInThisContext()(mod.exports, requireAsset, mod, filename, process.execPath);
  mod.loaded = true;
  return mod.exports;
}

/** require() for the bundle: a vendored package from the assets, once while it is in use, or a built-in module */
function requireAsset(id) {
  const vendor = /^\.\/vendor\/([\w-]+)\.js$/.exec(id);
  if (!vendor) return require(id);
  let exports = vendored.get(vendor[1])?.deref();
  if (exports === undefined) vendored.set(vendor[1], new WeakRef((exports = load(vendor[1]))));
  return exports;
}

function asset(name) {
  try {
    return getAsset(name);
  } catch {
    return undefined; // not in this executable: the training build has no cache yet
  }
}

function wrap(source) {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

function save(script, file) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData(), { flag: 'wx' });
  renameSync(tmp, file);
}
