#!/usr/bin/env node
// Idle resident memory of berth running the demo config (examples/demo: two tasks, an app
// with an http readiness probe), beside bare Node, tini and supervisord idling with one
// `sleep` each, all in one run, rounds interleaved (docs/BENCHMARKS.md, issue 7/7).
//
//   npm run build && npm run build:sea && node bench/idle-rss.mjs
//
// Each supervisor is started, SETTLE_MS after it is up (berth: its ready file exists) its
// own pid's VmRSS, RssAnon and RssFile (/proc/PID/status) are read, and it is stopped.
// ROUNDS (3) rounds; medians. Needs tini and supervisord (Debian: tini, supervisor).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, killTree, median, sleep, spawnTracked, table } from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
// LATE_MS: read again this long after it is up, once V8's memory reducer has run (~20 s idle)
const LATE_MS = Number(process.env.LATE_MS ?? 0);
const root = fileURLToPath(new URL('..', import.meta.url));
const BERTH = join(root, 'bin/berth.js');
const SEA = join(root, 'dist/sea/berth');
const DEMO = join(root, 'examples/demo/berth.yaml');
// BASELINE=DIR: also a copy of an earlier build (DIR/bin/berth.js + DIR/dist), for before/after in one run
const BASELINE = process.env.BASELINE;
const tmp = mkdtempSync(join(tmpdir(), 'berth-bench-idle-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const supervisordConf = join(tmp, 'supervisord.conf');
writeFileSync(supervisordConf, `[supervisord]\nnodaemon=true\nlogfile=/dev/null\nlogfile_maxbytes=0\npidfile=${tmp}/supervisord.pid\n[program:sleep]\ncommand=/bin/sleep infinity\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n`);

/** a port free right now (the machine runs other tests: a fixed port may be taken) */
const freePort = () => new Promise((resolve, reject) => {
  const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
let n = 0;
const demo = (argv, env = {}) => async () => {
  const data = join(tmp, `demo-${++n}`);
  return { argv, env: { DEMO_DATA: data, PORT: String(await freePort()), BERTH_LOG_LEVEL: 'warn', ...env }, up: join(data, 'ready') };
};
const cases = {
  'node (idle, bare)': () => ({ argv: [process.execPath, '-e', 'setInterval(() => {}, 1e6)'] }),
  'tini -- sleep': () => ({ argv: ['/usr/bin/tini', '-s', '--', '/bin/sleep', 'infinity'] }),
  'supervisord, one sleep': () => ({ argv: ['/usr/bin/supervisord', '-c', supervisordConf] }),
  'berth, npm form, demo': demo([process.execPath, BERTH, '-c', DEMO]),
  ...(BASELINE && { [`berth, npm form, demo, before (${BASELINE})`]: demo([process.execPath, join(BASELINE, 'bin/berth.js'), '-c', DEMO]) }),
  ...(existsSync(SEA) && { 'berth, executable, demo': demo([SEA, '-c', DEMO]) }),
};

const status = (pid) => Object.fromEntries([...readFileSync(`/proc/${pid}/status`, 'utf8').matchAll(/^(VmRSS|RssAnon|RssFile):\s+(\d+)/gm)].map((m) => [m[1], Number(m[2]) / 1024]));
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const late = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(cases)) {
    const c = await make();
    const child = spawnTracked(c.argv[0], c.argv.slice(1), { cwd: tmp, env: { ...process.env, ...c.env }, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (c.up && !existsSync(c.up) && Date.now() < deadline) await sleep(50);
    if (c.up && !existsSync(c.up)) throw new Error(`${name}: not ready within 30 s`);
    await sleep(SETTLE_MS);
    results[name].push(status(child.pid));
    if (LATE_MS > SETTLE_MS) {
      await sleep(LATE_MS - SETTLE_MS);
      late[name].push(status(child.pid));
    }
    killTree(child.pid, 'SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
  }
}
function report(results, after) {
  const bare = median(results['node (idle, bare)'].map((r) => r.VmRSS));
  const rows = Object.entries(results).map(([name, rs]) => {
    const rss = median(rs.map((r) => r.VmRSS));
    return [name, fmt(rss), fmt(median(rs.map((r) => r.RssAnon))), fmt(median(rs.map((r) => r.RssFile))), fmt(rss - bare)];
  });
  console.log(`idle RSS ${after} ms after it is up, MiB, ${ROUNDS} rounds, median; Node ${process.version}\n`);
  console.log(table(['process', 'VmRSS', 'anon', 'file', 'over bare node'], rows));
}
report(results, SETTLE_MS);
if (LATE_MS > SETTLE_MS) {
  console.log('');
  report(late, LATE_MS);
}
