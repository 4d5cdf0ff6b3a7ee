// `berth -- true` and `berth --version` against `node -e 0`, interleaved in one run
// so that both see the same machine. Target: median ratio <= 1.4. With dist/sea/berth
// built (npm run build:sea), the single executable's two runs too, and its ratio to the
// npm form (target: no slower, <= 1.0).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, median, table, timeRun } from './lib.mjs';

const berth = fileURLToPath(new URL('../bin/berth.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 40);
// its own ready file and no control socket: a berth running on this machine must not make it refuse (78)
const env = { ...process.env, BERTH_READY_FILE: '/tmp/berth-bench-ready', BERTH_CONTROL: 'false', BERTH_LOG_LEVEL: 'warn' };
const cases = {
  'node -e 0': [process.execPath, '-e', '0'],
  'berth --version': [process.execPath, berth, '--version'],
  'berth -- true': [process.execPath, berth, '--', 'true'],
};
// BASELINE=DIR: also an earlier build (DIR/bin/berth.js + DIR/dist), for before/after in one run
if (process.env.BASELINE) {
  const before = `${process.env.BASELINE}/bin/berth.js`;
  Object.assign(cases, { 'before: berth --version': [process.execPath, before, '--version'], 'before: berth -- true': [process.execPath, before, '--', 'true'] });
}
const sea = fileURLToPath(new URL('../dist/sea/berth', import.meta.url));
if (existsSync(sea)) Object.assign(cases, { 'sea berth --version': [sea, '--version'], 'sea berth -- true': [sea, '--', 'true'] });
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const argv of Object.values(cases)) timeRun(argv, { env, cwd: '/tmp' }); // warm the page cache
for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(cases)) times[name].push(timeRun(argv, { env, cwd: '/tmp' }));
const base = median(times['node -e 0']);
const rows = Object.entries(times).map(([name, xs]) => [name, fmt(median(xs)), fmt(Math.min(...xs)), fmt(median(xs) / base, 2)]);
console.log(`start-up, ${runs} interleaved runs each, Node ${process.version}\n`);
console.log(table(['command', 'median ms', 'min ms', 'ratio to node -e 0'], rows));
if (times['sea berth -- true']) {
  const ratio = (a, b) => fmt(median(times[a]) / median(times[b]), 2);
  console.log(`\nthe executable / the npm form: -- true ${ratio('sea berth -- true', 'berth -- true')}, --version ${ratio('sea berth --version', 'berth --version')}`);
}
