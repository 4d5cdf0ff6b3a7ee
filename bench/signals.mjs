#!/usr/bin/env node
// Signal forwarding latency, side by side in one run (docs/BENCHMARKS.md, issue 2/8): SIGHUP
// sent to the supervisor → the child's handler runs, for `berth -- node child.mjs`,
// `tini -- node child.mjs` and `dumb-init -- node child.mjs`, and, as the floor, SIGHUP sent
// straight to a bare `node child.mjs`.
//
//   npm run build && node bench/signals.mjs
//
// Knobs (environment): SIGNALS (200 per supervisor), GAP_MS (20: pause between two rounds),
// CPU_SHARES (8192), CPU_GROUP (0: no cpu cgroup).
//
// All the supervisors run at once; each round sends one SIGHUP to each, in an order that
// rotates, and waits for its child's answer before the next. The child stamps the moment its
// handler runs with performance.timeOrigin + performance.now() and writes it to a FIFO this
// harness reads; the harness stamps the moment before kill() on the same clock.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { enterCpuGroup, epochMs, exitOf, fmt, killTree, percentile, sleep, spawnTracked, table } from './lib.mjs';

const SIGNALS = Number(process.env.SIGNALS ?? 200);
const GAP_MS = Number(process.env.GAP_MS ?? 20);
const ANSWER_TIMEOUT_MS = 2000;
const BERTH = fileURLToPath(new URL('../bin/berth.js', import.meta.url));
if (!existsSync(join(BERTH, '../../dist/berth.js'))) throw new Error('no dist/: npm run build first');

// in a cpu cgroup of its own, as in a container (see enterCpuGroup), with cpu.shares 8192 so that
// the unrelated work of a shared machine stays out of the figures as far as it can (as
// bench/head-to-head does); CPU_SHARES=1024 for a plain container's weight, CPU_GROUP=0 for none
const inCpuGroup = process.env.CPU_GROUP !== '0' && enterCpuGroup(Number(process.env.CPU_SHARES ?? 8192)) !== undefined;

const tmp = mkdtempSync(join(tmpdir(), 'berth-bench-signals-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const child = join(tmp, 'child.mjs');
writeFileSync(
  child,
  `import fs from 'node:fs';
const out = fs.openSync(process.argv[2], 'w');
process.on('SIGHUP', () => {
  const t = performance.timeOrigin + performance.now();
  fs.writeSync(out, t + '\\n');
});
process.on('SIGTERM', () => process.exit(0));
fs.writeSync(out, 'ready\\n');
setInterval(() => {}, 1 << 30);
`,
);
const childArgv = (fifo) => [process.execPath, child, fifo];

const VARIANTS = {
  'node child.mjs (no supervisor)': (fifo) => childArgv(fifo),
  berth: (fifo) => [process.execPath, BERTH, '--', ...childArgv(fifo)],
  tini: (fifo) => ['/usr/bin/tini', '--', ...childArgv(fifo)],
  'dumb-init': (fifo) => ['/usr/bin/dumb-init', '--', ...childArgv(fifo)],
};

/** Starts one supervisor; resolves once its child's handler is installed. */
async function start(name, i) {
  const fifo = join(tmp, `fifo-${i}`);
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
  const argv = VARIANTS[name](fifo);
  const errFd = openSync(join(tmp, `stderr-${i}`), 'w');
  const proc = spawnTracked(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', errFd],
    env: { ...process.env, BERTH_READY_FILE: join(tmp, `ready-${i}`) },
  });
  const lines = createInterface({ input: createReadStream(fifo) });
  const queue = [];
  const waiters = [];
  lines.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)));
  const next = (ms) =>
    new Promise((resolve) => {
      if (queue.length) return resolve(queue.shift());
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        resolve(undefined);
      }, ms);
      const w = (l) => (clearTimeout(timer), resolve(l));
      waiters.push(w);
    });
  const first = await next(15_000);
  if (first !== 'ready') throw new Error(`${name}: its child never said ready`);
  return { name, proc, next, lines, latencies: [], lost: 0 };
}

const names = Object.keys(VARIANTS);
const started = [];
try {
  for (const [i, name] of names.entries()) started.push(await start(name, i));
  await sleep(500); // let start-up settle (berth's ready event, JIT)
  for (let round = 0; round < SIGNALS; round++) {
    for (let k = 0; k < started.length; k++) {
      const s = started[(k + round) % started.length];
      const t0 = epochMs();
      process.kill(s.proc.pid, 'SIGHUP');
      const answer = await s.next(ANSWER_TIMEOUT_MS);
      if (answer === undefined) s.lost++;
      else s.latencies.push(Number(answer) - t0);
    }
    await sleep(GAP_MS + Math.random() * GAP_MS);
  }
} finally {
  for (const s of started) {
    s.proc.kill('SIGTERM');
    await exitOf(s.proc, 5000).catch(() => killTree(s.proc.pid));
    s.lines.close();
  }
}

console.log(
  `\nSIGHUP to the supervisor → the child's handler runs; ${SIGNALS} signals each, interleaved; Node ${process.version}; ` +
    `${inCpuGroup ? 'in a cpu cgroup of its own' : 'no cpu cgroup'}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`,
);
const rows = started.map((s) => {
  const xs = s.latencies;
  return [s.name, fmt(percentile(xs, 50), 2), fmt(percentile(xs, 90), 2), fmt(percentile(xs, 99), 2), fmt(Math.max(...xs), 2), `${xs.length}/${SIGNALS}`];
});
console.log(table(['supervisor', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'handled'], rows));
const p = (name, q) => percentile(started.find((s) => s.name === name).latencies, q);
console.log('');
console.log(
  table(
    ['ratio', 'p50', 'p99'],
    ['tini', 'dumb-init'].map((peer) => [`berth / ${peer}`, `${fmt(p('berth', 50) / p(peer, 50), 2)}x`, `${fmt(p('berth', 99) / p(peer, 99), 2)}x`]),
  ),
);
