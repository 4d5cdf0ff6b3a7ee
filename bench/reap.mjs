// Orphan-burst reaping: how long each init, as PID 1 of a new PID namespace, takes to
// reap 1,000 orphans that exit at once, and how many zombies are left. One workload
// (test/fixtures/pid1/orphan-burst.mjs) for all, runs interleaved so all see the same
// machine.   npm run build && RUNS=9 ORPHANS=1000 node bench/reap.mjs
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPid1Fixtures } from '../test/fixtures/pid1/build.mjs';
import { fmt, median, table } from './lib.mjs';

const runs = Number(process.env.RUNS ?? 7);
const orphans = Number(process.env.ORPHANS ?? 1000);
const unshare = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
const berth = fileURLToPath(new URL('../bin/berth.js', import.meta.url));
const dist = fileURLToPath(new URL('../dist/berth.js', import.meta.url));

if (spawnSync(unshare[0], [...unshare.slice(1), 'true']).status !== 0) {
  console.log('skipped: unshare --pid is not permitted here');
  process.exit(0);
}
const f = await buildPid1Fixtures();
const workload = [process.execPath, f.orphanBurst, '--orphans', String(orphans)];
// berth is the real one (bin/berth.js, built into dist/), at its default log level, where
// the reaper does not read each orphan's command, and at debug, where it reads it and logs
// a `reaped` line for each; mini-init runs the same reaper (src/pid1/reaper.ts) alone, with none
// of the supervisor around it
const inits = {
  ...(existsSync(dist) ? { berth: [process.execPath, berth, '--'], 'berth --log-level debug': [process.execPath, berth, '--log-level', 'debug', '--'] } : {}),
  'mini-init (src/pid1/reaper.ts alone)': [process.execPath, f.miniInit, '--'],
  tini: ['/usr/bin/tini', '--'],
  'dumb-init': ['/usr/bin/dumb-init', '--'],
};
const missing = Object.entries(inits).filter(([, argv]) => !existsSync(argv[0]));
for (const [name] of missing) delete inits[name];

/** one run: the workload's own measurement, from its `burst` line */
function once(initArgv) {
  const r = spawnSync(unshare[0], [...unshare.slice(1), ...initArgv, ...workload], {
    encoding: 'utf8',
    cwd: '/tmp',
    timeout: 60_000,
    env: { ...process.env, BERTH_READY_FILE: '/tmp/berth-bench-reap-ready' },
  });
  const line = r.stdout
    .split('\n')
    .map((l) => l.slice(l.indexOf('{')))
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    })
    .find((l) => l.event === 'burst');
  if (!line) throw new Error(`${initArgv.join(' ')}: no burst line (exit ${r.status})\n${r.stdout}\n${r.stderr}`);
  return line;
}

const results = Object.fromEntries(Object.keys(inits).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(inits)) results[name].push(once(argv));

const rows = Object.entries(results).map(([name, rs]) => {
  const ms = rs.map((r) => r.reapMs ?? Infinity);
  return [name, fmt(median(ms)), fmt(Math.min(...ms)), fmt(Math.max(...ms)), Math.max(...rs.map((r) => r.left + r.zombies))];
});
console.log(`reaping a burst of ${orphans} orphans as PID 1, ${runs} interleaved runs each, Node ${process.version}\n`);
console.log(table(['init', 'median ms', 'min ms', 'max ms', 'zombies left (worst run)'], rows));
for (const [name, argv] of missing) console.log(`\n${name}: not installed (${argv[0]})`);
if (!existsSync(dist)) console.log('\nberth: not built (npm run build)');
