#!/usr/bin/env node
// The nginx + php-fpm stack's first 200, traced from berth's own events, beside supervisord
// and s6 and beside what no supervisor can go below, all in one run (docs/BENCHMARKS.md,
// "The first 200", issue 7/7).
//
//   npm run build && npm run build:sea && node bench/first-200.mjs
//
// The stack is bench/head-to-head's (examples/php-nginx's files: real php8.2-fpm on a unix
// socket behind real nginx-light, loopback only). Every start is a new stack directory on a
// port no earlier start used (a new container: no TIME_WAIT connections on it). Per round, in
// turn (a new order each round, bench/lib.mjs shuffled):
//   - `node -e 0`: the floor of any Node program
//   - `php-fpm -tt` alone: the config test berth's preflight must run before php-fpm starts
//   - servers alone: this harness spawns php-fpm, connects to its socket every 1 ms until it
//     accepts, then spawns nginx: the two servers' own start with a supervisor that costs
//     nothing and is already running
//   - berth (npm form: node bin/berth.js) and berth (the executable: dist/sea/berth), with the
//     example's berth.yaml; their events give config.loaded, php-fpm spawned (the preflight's
//     end), php-fpm ready, nginx ready, ms from the launch
//   - supervisord (the incident's config) and s6 (tuned: nginx's run waits for the socket file)
// The client asks GET / on a new connection every 2 ms from the launch until the first 200.
// ROUNDS (7); BASELINE=DIR adds an earlier build's npm form. Needs php8.2-fpm, nginx-light, supervisor and s6 (those missing are skipped).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, serverPort, shuffled, table } from './lib.mjs';
import { now, pollUntilOk, sleep, tally } from './head-to-head/client.mjs';
import { Jail, disposeAllJails } from './head-to-head/proc.mjs';
import { NGINX, PHP_FPM, REPO, S6_SVSCAN, SUPERVISORD, writeStack } from './head-to-head/stack.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const BASELINE = process.env.BASELINE;
const SEA = join(REPO, 'dist/sea/berth');
const BERTH = join(REPO, 'bin/berth.js');
const tmp = mkdtempSync(join(tmpdir(), 'berth-first200-'));
chmodSync(tmp, 0o755); // php-fpm's and nginx's workers (www-data) reach into it
process.on('exit', () => {
  disposeAllJails();
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

for (const bin of [PHP_FPM, NGINX, BERTH]) {
  if (!existsSync(bin)) {
    console.error(`first-200: ${bin} is missing`);
    process.exit(1);
  }
}

const usedPorts = new Set();
async function freshPort() {
  for (;;) {
    const p = serverPort();
    if (usedPorts.has(p)) continue;
    const ok = await new Promise((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) {
      usedPorts.add(p);
      return p;
    }
  }
}

let n = 0;
/** a new stack for `supervisor` (head-to-head's names), on a new port */
async function stackFor(supervisor, berthBin) {
  return writeStack(join(tmp, `${supervisor}-${++n}`), { supervisor, port: await freshPort(), logs: 'files', source: 'example', berthBin });
}

/** launch argv in a jail, poll until the first 200, then stop everything it started */
async function firstOk(argv, stack, { events = false } = {}) {
  const jail = new Jail(`first200-${n}`);
  // output to a file: supervisord's children open /dev/fd/1, which a socketpair refuses (ENXIO)
  const outFile = join(stack.dir, 'logs', 'supervisor.out');
  const fd = openSync(outFile, 'w');
  const wall0 = Date.now();
  const t0 = now();
  const child = spawn(...wrapped(jail, argv), { cwd: stack.dir, stdio: ['ignore', fd, fd], env: { ...process.env, BERTH_LOG_FORMAT: 'json' } });
  closeSync(fd);
  const output = () => readFileSync(outFile, 'utf8');
  jail.setRoot(child.pid);
  const r = await pollUntilOk(stack.port, '/', { everyMs: 2, deadline: t0 + 30_000 });
  const ms = r.ok ? r.ok.done - t0 : NaN;
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {}
  await Promise.race([exited, sleep(10_000)]);
  jail.dispose();
  if (!r.ok) throw new Error(`${argv.join(' ')}: no 200 within 30 s; its output:\n${output().slice(-3000)}`);
  const t = tally(r.before);
  return { ms, failed: t.failed, trace: events ? trace(output(), wall0) : undefined };
}

/** berth's own events, ms from the launch (wall clock: the events carry ISO times to the ms) */
function trace(out, wall0) {
  const at = {};
  for (const line of out.split('\n')) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    const ms = Date.parse(e.time) - wall0;
    if (e.event === 'config.loaded') at.loaded ??= ms;
    if (e.event === 'service.start' && e.service === 'php-fpm') at.fpmSpawned ??= ms;
    if (e.event === 'service.ready' && e.service === 'php-fpm') at.fpmReady ??= ms;
    if (e.event === 'service.start' && e.service === 'nginx') at.nginxSpawned ??= ms;
    if (e.event === 'service.ready' && e.service === 'nginx') at.nginxReady ??= ms;
  }
  return at;
}

/** the two servers' own start, with a supervisor that is already running and costs nothing */
async function serversAlone() {
  const stack = await stackFor('s6'); // the stack files only; s6 is not started
  const fpmArgs = ['-F', '-O', '-p', stack.dir];
  const nginxArgs = ['-p', `${stack.dir}/`, '-c', 'nginx/nginx.conf', '-g', `daemon off; pid ${join(stack.dir, 'run/nginx.pid')};`];
  const jail = new Jail(`first200-servers-${n}`);
  const t0 = now();
  const fpm = spawn(...wrapped(jail, [PHP_FPM, ...fpmArgs]), { cwd: stack.dir, stdio: 'ignore' });
  const connects = () => new Promise((resolve) => {
    const s = net.connect(stack.socket).once('connect', () => (s.destroy(), resolve(true))).once('error', () => resolve(false));
  });
  const deadline = t0 + 10_000;
  while (!(await connects())) {
    if (now() > deadline) throw new Error('php-fpm: socket not accepting within 10 s');
    await sleep(1);
  }
  const fpmReady = now() - t0;
  const nginx = spawn(...wrapped(jail, [NGINX, ...nginxArgs]), { cwd: stack.dir, stdio: 'ignore' });
  const r = await pollUntilOk(stack.port, '/', { everyMs: 2, deadline: t0 + 10_000 });
  const ms = r.ok ? r.ok.done - t0 : NaN;
  for (const c of [nginx, fpm]) {
    try {
      process.kill(c.pid, 'SIGQUIT');
    } catch {}
  }
  jail.dispose();
  if (!r.ok) throw new Error('servers alone: no 200 within 10 s');
  return { ms, fpmReady, failed: tally(r.before).failed };
}
const wrapped = (jail, argv) => {
  const w = jail.wrap(argv);
  return [w[0], w.slice(1)];
};

const cases = {
  'node -e 0': async () => {
    const t0 = now();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    return { ms: now() - t0 };
  },
  'servers alone': serversAlone,
  // the config test the contract runs before php-fpm may start (§3, §6), with the stack's own
  // options; with node -e 0 and the servers alone, the floor of any berth that keeps it
  'php-fpm -tt alone': async () => {
    const stack = await stackFor('s6');
    const t0 = now();
    const r = spawnSync(PHP_FPM, ['-tt', '-p', stack.dir], { cwd: stack.dir, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`php-fpm -tt failed (${r.status ?? r.signal})`);
    return { ms: now() - t0 };
  },
  'berth, npm form': async () => {
    const stack = await stackFor('berth', BERTH);
    return firstOk(stack.argv, stack, { events: true });
  },
  // BASELINE=DIR: a copy of an earlier build (DIR/bin/berth.js + DIR/dist), before/after in one run
  ...(BASELINE && {
    [`berth, npm form, before (${BASELINE})`]: async () => {
      const stack = await stackFor('berth', BERTH);
      return firstOk([process.execPath, join(BASELINE, 'bin/berth.js'), ...stack.argv.slice(2)], stack, { events: true });
    },
  }),
  ...(existsSync(SEA) && {
    'berth, executable': async () => {
      const stack = await stackFor('berth', BERTH);
      return firstOk([SEA, ...stack.argv.slice(2)], stack, { events: true });
    },
  }),
  ...(existsSync(SUPERVISORD) && {
    supervisord: async () => {
      const stack = await stackFor('supervisord');
      return firstOk(stack.argv, stack);
    },
  }),
  ...(existsSync(S6_SVSCAN) && {
    's6 (tuned)': async () => {
      const stack = await stackFor('s6-tuned');
      return firstOk(stack.argv, stack);
    },
  }),
};

const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const names = Object.keys(cases);
const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
for (const name of names) await cases[name](); // one warm-up each (page cache, php's opcache files), not counted
for (let round = 0; round < ROUNDS; round++) {
  for (const name of shuffled(names, round)) results[name].push(await cases[name]());
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const med = (name, key) => median(results[name].map((r) => r[key]).filter((x) => x !== undefined && !Number.isNaN(x)));
const range = (name, key) => {
  const xs = results[name].map((r) => r[key]).filter((x) => x !== undefined && !Number.isNaN(x));
  return xs.length ? `${fmt(median(xs), 0)} (${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)})` : 'n/a';
};
const nodeMs = med('node -e 0', 'ms');
const serversMs = med('servers alone', 'ms');
const goal = nodeMs + serversMs + 30;
const floor = nodeMs + med('php-fpm -tt alone', 'ms') + serversMs;
const plain = new Set(['node -e 0', 'php-fpm -tt alone']);
const rows = names.map((name) => [
  name,
  range(name, 'ms'),
  plain.has(name) ? '—' : String(results[name].reduce((a, r) => a + (r.failed ?? 0), 0)),
  plain.has(name) || name === 'servers alone' ? '—' : `${fmt(med(name, 'ms') / goal, 2)}×`,
]);
console.log(`${ROUNDS} rounds; Node ${process.version}; load average ${load0} before, ${load1} after.\n`);
console.log(table(['what', 'launch → first 200, ms: median (min–max)', 'failed before it (502/reset), all rounds', 'to the goal'], rows));
console.log(`\nGoal: node -e 0 (${fmt(nodeMs, 0)}) + the servers alone (${fmt(serversMs, 0)}) + 30 = ${fmt(goal, 0)} ms; servers alone: php-fpm accepting at ${fmt(med('servers alone', 'fpmReady'), 0)} ms.`);
console.log(`Floor of a berth that runs php-fpm -tt before php-fpm (the contract's preflight): node -e 0 + php-fpm -tt alone + the servers alone = ${fmt(floor, 0)} ms.\n`);
const traced = names.filter((name) => results[name][0]?.trace);
const steps = [
  ['config.loaded', 'loaded'],
  ['php-fpm spawned (preflight done)', 'fpmSpawned'],
  ['php-fpm ready', 'fpmReady'],
  ['nginx spawned', 'nginxSpawned'],
  ['nginx ready', 'nginxReady'],
];
const stepMed = (name, key) => median(results[name].map((r) => r.trace?.[key]).filter((x) => x !== undefined));
console.log(table(['berth event, ms from launch (median)', ...traced], steps.map(([label, key]) => [label, ...traced.map((name) => fmt(stepMed(name, key), 0))])));
