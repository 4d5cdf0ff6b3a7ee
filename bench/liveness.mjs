// What liveness costs (CONTRACT §9): berth's own CPU with 20 services each checked every second,
// set against the same berth with no checks (idle) and against a shell loop doing the same
// checks (curl for http, bash's /dev/tcp for tcp), all measured in this one run.
// CPU is utime+stime from /proc/PID/stat over a window after everything is ready (for the
// shell loop, with its reaped children: every curl it ran).
//   WINDOW=30 ROUNDS=1 node bench/liveness.mjs
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, fmt, killTree, serverPort, sleep, spawnTracked, table } from './lib.mjs';

const berth = fileURLToPath(new URL('../bin/berth.js', import.meta.url));
const SERVICES = 20;
const WINDOW_S = Number(process.env.WINDOW ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const TICK = 100; // USER_HZ: /proc's clock ticks per second on Linux

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-liveness-'));
// each service: a tiny http server on its own port (answers any path 200)
const target = join(dir, 'target.mjs');
writeFileSync(target, "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]), '127.0.0.1')".replace('require', "(await import('node:module')).createRequire(import.meta.url)"));
const basePort = serverPort(SERVICES);
const ports = Array.from({ length: SERVICES }, (_, i) => basePort + i);

/** utime+stime (+cutime+cstime with children) of pid, in ticks */
function cpuTicks(pid, withChildren = false) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
  // fields after the comm: state=0 … utime=11 stime=12 cutime=13 cstime=14
  return f[11] + f[12] + (withChildren ? f[13] + f[14] : 0);
}

/** one berth with 20 services; probe(port) is each one's liveness probe, or none */
async function runBerth(name, probe) {
  const services = Object.fromEntries(ports.map((port, i) => [`s${i}`, {
    command: [process.execPath, target, String(port)],
    ready: `tcp:${port}`,
    ...(probe && { liveness: { probe: probe(port), interval: '1s', timeout: '500ms' } }),
  }]));
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ readyFile: join(dir, `${name}.ready`), terminationLog: false, log: { level: 'warn' }, services }));
  const child = spawnTracked(process.execPath, [berth, '-c', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BERTH_LOG_LEVEL: 'info' } });
  await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (/"event":"ready"/.test(buf)) resolve();
      buf = buf.slice(-200);
    });
    child.once('exit', () => reject(new Error(`${name}: berth exited before ready`)));
  });
  child.stdout.resume();
  return measure(name, child.pid, false, async () => {
    child.kill('SIGTERM');
    await exitOf(child, 20_000, `${name} berth exit`);
  });
}

/** the shell loop a person would write instead, against targets started outside berth */
async function runShell(name, check) {
  const servers = await Promise.all(ports.map((port) => new Promise((resolve) => {
    const s = createServer((q, r) => r.end('ok')).listen(port, '127.0.0.1', () => resolve(s));
  })));
  const script = `while :; do for p in ${ports.join(' ')}; do ${check}; done; sleep 1; done`;
  const child = spawnTracked('bash', ['-c', script], { stdio: 'ignore' });
  return measure(name, child.pid, true, async () => {
    killTree(child.pid);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
}

async function measure(name, pid, withChildren, stop) {
  await sleep(3000); // past start-up: the steady state is what is measured
  const t0 = cpuTicks(pid, withChildren);
  const w0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const ticks = cpuTicks(pid, withChildren) - t0;
  const seconds = (performance.now() - w0) / 1000;
  await stop();
  return { name, cpuPct: (ticks / TICK / seconds) * 100, msPerSecond: (ticks * (1000 / TICK)) / seconds };
}

const cases = [
  ['berth, no liveness (idle)', () => runBerth('idle', undefined)],
  ['berth, 20 http checks/s', () => runBerth('http', (p) => `http://127.0.0.1:${p}/health`)],
  ['berth, 20 tcp checks/s (sock_diag)', () => runBerth('tcp', (p) => `tcp:${p}`)],
  ['shell loop, 20 curl/s', () => runShell('curl', 'curl -fsS -o /dev/null --max-time 1 http://127.0.0.1:$p/health')],
  ['shell loop, 20 /dev/tcp/s', () => runShell('devtcp', '(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null')],
];
const results = {};
try {
  for (let r = 0; r < ROUNDS; r++) for (const [label, run] of cases) (results[label] ??= []).push(await run());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const mean = (xs, k) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
const idle = mean(results['berth, no liveness (idle)'], 'msPerSecond');
const http = mean(results['berth, 20 http checks/s'], 'msPerSecond');
const tcp = mean(results['berth, 20 tcp checks/s (sock_diag)'], 'msPerSecond');
const rows = Object.entries(results).map(([label, xs]) => {
  const ms = mean(xs, 'msPerSecond');
  return [label, fmt(ms, 2), fmt(mean(xs, 'cpuPct'), 2)];
});
console.log(`liveness cost: ${SERVICES} services, one check each per second, ${WINDOW_S} s window x ${ROUNDS} round(s), Node ${process.version}\n`);
console.log(table(['what', 'CPU ms per second', '% of one core'], rows));
const curl = mean(results['shell loop, 20 curl/s'], 'msPerSecond');
const devtcp = mean(results['shell loop, 20 /dev/tcp/s'], 'msPerSecond');
console.log(`\nthe checks' own cost (berth minus idle berth): http ${fmt(http - idle, 2)} ms/s, tcp ${fmt(tcp - idle, 2)} ms/s`);
console.log(`ratios in this run: berth http checks / shell curl loop = ${fmt((http - idle) / curl, 3)}; berth tcp checks / shell /dev/tcp loop = ${fmt((tcp - idle) / devtcp, 3)}; berth with http checks / idle berth = ${fmt(http / Math.max(idle, 0.01), 2)}`);
