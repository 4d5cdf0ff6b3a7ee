#!/usr/bin/env node
// berth against supervisord and s6 on the stack berth exists for: nginx in front of php-fpm on
// a unix socket (real php8.2-fpm, real nginx-light), loopback only, everything in one temp dir.
//
//   npm run build && node bench/head-to-head/run.mjs
//
// Knobs (environment): IDLE_SECONDS (60), START_RUNS (5), STOP_RUNS (3), RESTART_RUNS (3),
// MASTER_RUNS (1), RATE (200 req/s), WARMUP_MS (2000), MASTER_WINDOW_S (8), ONLY (berth,supervisord,s6),
// LOGS (auto | official | files), STACK (example | embedded), OUT (write the raw results as JSON here),
// FRESH_PORTS (1: every start test on a port no earlier run used).
// What each figure means: docs/BENCHMARKS.md, "Head to head with supervisord and s6".
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fmt, median, serverPort, table } from '../lib.mjs';
import { now, pollUntilOk, sleep, startLoad, tally } from './client.mjs';
import { CGROUPS, CLK_TCK, Jail, alive, cpuTicks, disposeAllJails, enterCpuGroup, pssKiB, reapStaleJails, removeStaleCpuGroups, rssKiB, stat } from './proc.mjs';
import { BERTH_BIN, NGINX, PHP_FPM, REPO, S6_SVSCAN, SUPERVISORD, SUPERVISORS, TUNED, baseOf, writeStack } from './stack.mjs';

const num = (name, dflt) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : dflt);
const cfg = {
  idleSeconds: num('IDLE_SECONDS', 60),
  startRuns: num('START_RUNS', 5),
  stopRuns: num('STOP_RUNS', 3),
  restartRuns: num('RESTART_RUNS', 3),
  masterRuns: num('MASTER_RUNS', 1),
  rate: num('RATE', 200),
  warmupMs: num('WARMUP_MS', 2000),
  masterWindowS: num('MASTER_WINDOW_S', 8),
  only: (process.env.ONLY ?? SUPERVISORS.join(',')).split(',').map((s) => s.trim()).filter(Boolean),
  tuned: process.env.TUNED !== '0',
  logs: process.env.LOGS ?? 'auto',
  stack: process.env.STACK ?? 'example',
  out: process.env.OUT,
  cpuShares: num('CPU_SHARES', 8192),
  freshPorts: process.env.FRESH_PORTS === '1',
};
const HARD_LIMIT_MS = num('HARD_LIMIT_S', 900) * 1000; // the whole run, whatever happens

// ---------- cleanup: every process this harness starts lives in a Jail ----------
// what an earlier run left when it was killed with SIGKILL (and so could not clean up): its
// processes (still in their cgroups), its cpu group, its temp dir
const stale = reapStaleJails();
if (stale) console.error(`head-to-head: ended the processes of ${stale} cgroup(s) left by an earlier run`);
removeStaleCpuGroups();
for (const name of readdirSync(tmpdir())) {
  const m = /^berth-h2h-(\d+)-/.exec(name);
  if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
}
const tmp = mkdtempSync(join(tmpdir(), `berth-h2h-${process.pid}-`));
chmodSync(tmp, 0o755); // php-fpm's and nginx's workers (www-data) must reach into it
let cleaned = false;
let leaveCpuGroup;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  disposeAllJails();
  leaveCpuGroup?.();
  if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    cleanup();
    process.exit(130);
  });
}
process.on('uncaughtException', (err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
const hardLimit = setTimeout(() => {
  console.error(`head-to-head: over ${HARD_LIMIT_MS / 1000} s, giving up`);
  cleanup();
  process.exit(2);
}, HARD_LIMIT_MS);
hardLimit.unref();

const log = (...a) => console.error(`[${((now() - T0) / 1000).toFixed(1).padStart(6)} s]`, ...a);
const T0 = now();

// ---------- preconditions ----------
const missing = [];
if (!existsSync(BERTH_BIN)) missing.push(BERTH_BIN);
for (const bin of [PHP_FPM, NGINX]) if (!existsSync(bin)) missing.push(bin);
if (missing.length) {
  console.error(`head-to-head: missing ${missing.join(', ')}`);
  process.exit(1);
}
const notes = [];
const available = { berth: true, supervisord: existsSync(SUPERVISORD), s6: existsSync(S6_SVSCAN) && existsSync('/usr/bin/s6-supervise') };
if (!available.supervisord) notes.push('supervisord is not installed: its column is empty');
if (!available.s6) notes.push('s6 (s6-svscan, s6-supervise) is not installed: its column is empty');
const sups = cfg.only.filter((s) => SUPERVISORS.includes(s) && available[s]);
// the tuned peers run the start and stop tests only
const tunedSups = cfg.tuned ? TUNED.filter((t) => sups.includes(baseOf(t))) : [];
const allSups = [...sups, ...tunedSups];
if (cfg.cpuShares > 0) {
  leaveCpuGroup = enterCpuGroup(cfg.cpuShares);
  if (!leaveCpuGroup) notes.push('no writable cpu cgroup: the run shared the CPU with whatever else ran, under autogroup scheduling');
}
if (cfg.freshPorts) notes.push('FRESH_PORTS=1: every start test ran on a port no earlier run had used (no TIME_WAIT connections on it), as a new container would');
if (!CGROUPS) notes.push('no writable pids cgroup: processes are tracked by sampling their tree instead (an orphan born and orphaned between two samples could escape)');

const ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` };
delete ENV.BERTH_CONFIG;

/**
 * A copy of berth's build (bin/, dist/, package.json; node_modules linked) in the temp dir, so
 * that a rebuild in the checkout during the run (npm run build empties dist/) cannot change or
 * break the berth under test half-way. SNAPSHOT=0 runs the checkout's bin/berth.js directly.
 */
function snapshotBerth() {
  if (process.env.SNAPSHOT === '0') return BERTH_BIN;
  const dir = join(tmp, 'berth-build');
  for (let attempt = 0; attempt < 10; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    try {
      cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
      cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true }); // berth.js and what it loads
      cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
      const r = spawnSync(process.execPath, [join(dir, 'bin/berth.js'), '--version'], { encoding: 'utf8', timeout: 15_000 });
      if (r.status === 0) return join(dir, 'bin/berth.js');
    } catch {}
    spawnSync('sleep', ['2']); // a build in progress: try again
  }
  throw new Error('could not copy a working build of berth (is `npm run build` running?)');
}
const berthCommit = (() => {
  const head = spawnSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['-C', REPO, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '';
  return head ? `${head}${dirty ? ' + uncommitted src/ changes' : ''}` : 'unknown';
})();
let BERTH;

// Can berth's children open /proc/self/fd/2 (the official images' error_log)? If not, every
// supervisor gets the 'files' log layout, so that they all run the same php-fpm and nginx.
function detectLogs() {
  if (cfg.logs !== 'auto') return cfg.logs;
  const r = spawnSync(process.execPath, [BERTH, '--ready-file', join(tmp, 'probe-ready'), '--log-level', 'error', '--', '/bin/sh', '-c', ': >>/proc/self/fd/2 && : >>/dev/stdout'], { env: ENV, cwd: tmp, timeout: 15_000, encoding: 'utf8' });
  if (r.status === 0) return 'official';
  notes.push(
    'WORKAROUND (berth bug): a child of berth cannot open /proc/self/fd/2 or /dev/stdout (its stdout and stderr are socketpairs: ENXIO), so the example\'s `error_log = /proc/self/fd/2` stops php-fpm and `access_log /dev/stdout` stops nginx. Every supervisor therefore ran the same "files" log layout: php-fpm `-O` with its error log also in a file, php-fpm\'s and nginx\'s access logs in files.',
  );
  return 'files';
}

async function freePorts(n) {
  const ports = [];
  while (ports.length < n) {
    const p = serverPort();
    const ok = await new Promise((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok && !ports.includes(p)) ports.push(p);
  }
  return ports;
}

// ---------- launching one supervisor ----------
function prepareRun(stack) {
  // a fresh container: no socket, no pid files, no ready file from an earlier run
  for (const f of ['run/php-fpm.sock', 'run/nginx.pid', 'run/supervisord.pid', 'run/berth-ready']) rmSync(join(stack.dir, f), { force: true });
  rmSync(join(stack.dir, 'scan/.s6-svscan'), { recursive: true, force: true });
  for (const s of ['php-fpm', 'nginx']) for (const d of ['supervise', 'event']) rmSync(join(stack.dir, 'scan', s, d), { recursive: true, force: true });
}

function launch(sup, stack, label) {
  prepareRun(stack);
  const jail = new Jail(`${sup}-${label}`);
  const out = openSync(join(stack.dir, 'logs', `${sup}-${label}.out`), 'a');
  const argv = jail.wrap(stack.argv);
  const t0 = now();
  const child = spawn(argv[0], argv.slice(1), { cwd: stack.dir, env: ENV, stdio: ['ignore', out, out] });
  closeSync(out);
  jail.setRoot(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: now() })));
  let gone;
  void exited.then((ex) => (gone = ex));
  return { sup, stack, jail, pid: child.pid, t0, exited, isGone: () => gone !== undefined, exit: () => gone };
}

/**
 * SIGTERM the supervisor and wait for it to exit (up to `timeoutMs`), then do what the kernel
 * does to a container whose PID 1 exits: SIGKILL everything still left in it.
 */
async function terminate(run, { timeoutMs = 15_000, signal = 'SIGTERM' } = {}) {
  const sent = now();
  if (!run.isGone()) {
    try {
      process.kill(run.pid, signal);
    } catch {}
  }
  const ex = await Promise.race([run.exited, sleep(timeoutMs).then(() => undefined)]);
  const left = run.jail.pids().filter((p) => p !== run.pid);
  run.jail.dispose();
  const ex2 = ex ?? (await run.exited);
  return { exitMs: ex ? ex.at - sent : undefined, code: ex2.code, signal: ex2.signal, timedOut: !ex, leftBehind: left.length };
}

const argvOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
};
const isTest = (argv) => argv.some((a) => a === '-t' || a === '-tt' || a === '-T');
const isFpmMaster = (argv) => (argv[0] ?? '').startsWith('php-fpm: master') || (/php-fpm[\d.]*$/.test(argv[0] ?? '') && argv.includes('-F') && !isTest(argv));
const isNginxMaster = (argv) => (argv[0] ?? '').startsWith('nginx: master') || (/nginx$/.test(argv[0] ?? '') && argv.some((a) => a.includes('daemon off')) && !isTest(argv));

/** when the php-fpm and nginx masters first appear in the jail (polled every 2 ms) */
function watchSpawns(run) {
  const times = {};
  // a process whose argv can no longer change into what is looked for: a php-fpm or nginx
  // that has set its title, an s6-supervise, the supervisor itself once it has exec'd.
  // Everything else (a fork that has not exec'd yet, a shell, a preflight test) is looked at again.
  const settled = new Set();
  const timer = setInterval(() => {
    for (const p of run.jail.pids()) {
      if (settled.has(p)) continue;
      const argv = argvOf(p);
      if (argv.length === 0) continue;
      if (times.fpm === undefined && isFpmMaster(argv)) times.fpm = now() - run.t0;
      if (times.nginx === undefined && isNginxMaster(argv)) times.nginx = now() - run.t0;
      if (/^(php-fpm|nginx): /.test(argv[0]) || stat(p)?.comm === 's6-supervise' || (p === run.pid && argv[0] !== '/bin/sh')) settled.add(p);
    }
    if (times.fpm !== undefined && times.nginx !== undefined) clearInterval(timer);
  }, 2);
  return { times, stop: () => clearInterval(timer) };
}

async function upOrThrow(run, label) {
  const r = await pollUntilOk(run.stack.port, '/', { everyMs: 5, deadline: run.t0 + 30_000, giveUp: run.isGone });
  if (!r.ok) {
    const out = join(run.stack.dir, 'logs', `${run.sup}-${label}.out`);
    const tail = existsSync(out) ? readFileSync(out, 'utf8').split('\n').slice(-15).join('\n') : '';
    await terminate(run);
    throw new Error(`${run.sup} (${label}): no 200 within 30 s; last output:\n${tail}`);
  }
  return r;
}

// ---------- the tests ----------
async function startTest(sup, stack, label) {
  const run = launch(sup, stack, label);
  const watch = watchSpawns(run);
  const r = await upOrThrow(run, label);
  await sleep(30); // let a late spawn be seen
  watch.stop();
  const t = tally(r.before);
  const stop = await terminate(run);
  const droppedErrors = r.before.filter((x) => x.kind === 'dropped').map((x) => `${x.error ?? x.status} at ${fmt(x.done - run.t0, 0)} ms`);
  return { firstOkMs: r.ok.done - run.t0, ...t, droppedErrors, spawnFpmMs: watch.times.fpm, spawnNginxMs: watch.times.nginx, stopExitMs: stop.exitMs };
}

async function stopTest(sup, stack, label) {
  const run = launch(sup, stack, label);
  await upOrThrow(run, label);
  const load = startLoad(stack.port, '/slow.php', { rate: cfg.rate });
  await sleep(cfg.warmupMs);
  const tTerm = now();
  const stop = await terminate(run, { timeoutMs: 20_000 });
  const results = await load.stop();
  const before = results.filter((r) => r.done < tTerm);
  const after = results.filter((r) => r.done >= tTerm);
  return {
    ...stop,
    warm: tally(before),
    inFlightAtTerm: results.filter((r) => r.sent < tTerm && r.done >= tTerm).length,
    after: tally(after),
    examples: after.filter((r) => r.kind === 'http5xx' || r.kind === 'dropped').slice(0, 3).map((r) => r.status ?? r.error),
  };
}

/** who served a /slow.php answer: a worker of a live php-fpm master, or an orphan */
function servedBy(body, killedMaster) {
  const ppid = Number(String(body).trim().split(' ')[1]);
  if (!ppid) return 'unknown';
  if (ppid === killedMaster) return 'old master';
  return (argvOf(ppid)[0] ?? '').startsWith('php-fpm: master') ? 'new master' : 'orphan';
}

function fpmPids(run) {
  const all = run.jail.pids().map((p) => ({ p, argv: argvOf(p) }));
  const master = all.find((x) => (x.argv[0] ?? '').startsWith('php-fpm: master'))?.p;
  const workers = all.filter((x) => (x.argv[0] ?? '').startsWith('php-fpm: pool')).map((x) => x.p);
  return { master, workers };
}

/**
 * kill -9 php-fpm under load. what = 'master' (its master only: the workers live on as
 * orphans, still holding the listening socket) or 'all' (master and workers, as an OOM kill
 * of the container's php-fpm would). Measures requests failed, and when 200s resume —
 * and, for 'master', when a *new* master's worker first answers.
 */
async function restartTest(sup, stack, label, what, windowMs) {
  const run = launch(sup, stack, label);
  await upOrThrow(run, label);
  let tKill = Infinity;
  let killed;
  let firstNewMaster;
  const servers = { 'new master': 0, orphan: 0, 'old master': 0, unknown: 0 };
  const load = startLoad(stack.port, '/slow.php', {
    rate: cfg.rate,
    onResult(r) {
      if (r.sent < tKill || r.kind !== 'ok') return;
      const by = servedBy(r.body, killed);
      servers[by]++;
      if (by === 'new master' && firstNewMaster === undefined) firstNewMaster = r.done - tKill;
    },
  });
  await sleep(cfg.warmupMs);
  const { master, workers } = fpmPids(run);
  if (!master) throw new Error(`${sup}: no php-fpm master found`);
  killed = master;
  tKill = now();
  process.kill(master, 'SIGKILL');
  if (what === 'all') for (const w of workers) try { process.kill(w, 'SIGKILL'); } catch {}
  // watch until 200s have resumed for a second (or the window ends)
  const deadline = tKill + windowMs;
  for (;;) {
    await sleep(100);
    if (now() > deadline) break;
    if (what === 'all' && now() - tKill > 1500) {
      // done once every answer to a request sent in the last second was a 200
      const recent = load.results.filter((r) => r.sent >= Math.max(tKill, now() - 1000));
      if (recent.length > 0.5 * cfg.rate * 0.8 && recent.every((r) => r.kind === 'ok')) break;
    }
  }
  const fpm = fpmPids(run);
  const ex = run.exit();
  const stateAtEnd = { supervisorAlive: !ex, ...(ex ? { supervisorExit: ex.signal ?? ex.code, supervisorExitAfterMs: Math.round(ex.at - tKill) } : {}), fpmMaster: !!fpm.master, orphans: fpm.workers.filter((w) => stat(w)?.ppid !== fpm.master).length };
  const results = await load.stop();
  await terminate(run);
  const since = results.filter((r) => r.done >= tKill);
  const sentAfter = results.filter((r) => r.sent >= tKill);
  const lastBad = Math.max(-Infinity, ...sentAfter.filter((r) => r.kind !== 'ok').map((r) => r.sent));
  const resume = lastBad === -Infinity ? 0 : sentAfter.find((r) => r.kind === 'ok' && r.sent > lastBad)?.sent;
  return {
    what,
    windowMs,
    after: tally(since),
    resumeMs: resume === 0 ? 0 : resume === undefined ? undefined : resume - tKill,
    firstNewMasterMs: firstNewMaster,
    servers,
    stateAtEnd,
  };
}

/** all supervisors at once, idle: RSS and CPU of the supervisor itself and of everything it runs */
async function idleTest(stacks) {
  const runs = sups.map((sup) => launch(sup, stacks[sup], 'idle'));
  for (const run of runs) await upOrThrow(run, 'idle');
  await sleep(5000); // settle: workers spawned, nothing in flight, start-up garbage collected
  const own = (run) => {
    // the supervisor's own processes: berth, supervisord; s6-svscan and its s6-supervise
    const pids = [run.pid];
    if (run.sup === 's6') pids.push(...run.jail.pids().filter((p) => stat(p)?.comm === 's6-supervise'));
    return pids;
  };
  const sample = (run) => {
    const mine = own(run);
    const all = run.jail.pids();
    return {
      own: mine,
      ownRssKiB: mine.reduce((s, p) => s + rssKiB(p), 0),
      ownRootRssKiB: rssKiB(run.pid),
      allRssKiB: all.reduce((s, p) => s + rssKiB(p), 0),
      allPssKiB: all.reduce((s, p) => s + pssKiB(p), 0),
      ownTicks: mine.reduce((s, p) => s + cpuTicks(p), 0),
      allTicks: new Map(all.map((p) => [p, cpuTicks(p)])),
      nprocs: all.length,
    };
  };
  const first = runs.map(sample);
  log(`idle: ${cfg.idleSeconds} s, ${runs.map((r) => r.sup).join(', ')} side by side, no requests`);
  const t0 = now();
  await sleep(cfg.idleSeconds * 1000);
  const secs = (now() - t0) / 1000;
  const last = runs.map(sample);
  const out = {};
  runs.forEach((run, i) => {
    const a = first[i];
    const b = last[i];
    let allTicks = 0;
    for (const [p, t] of b.allTicks) allTicks += t - (a.allTicks.get(p) ?? 0);
    out[run.sup] = {
      seconds: secs,
      ownRssMiB: b.ownRssKiB / 1024,
      ownRootRssMiB: b.ownRootRssKiB / 1024,
      allRssMiB: b.allRssKiB / 1024,
      allPssMiB: b.allPssKiB / 1024,
      ownCpuMs: ((b.ownTicks - a.ownTicks) * 1000) / CLK_TCK,
      allCpuMs: (allTicks * 1000) / CLK_TCK,
      nprocs: b.nprocs,
      ownProcs: b.own.length,
    };
  });
  for (const run of runs) await terminate(run);
  return out;
}

// ---------- main ----------
async function main() {
  BERTH = snapshotBerth();
  const logs = detectLogs();
  const ports = await freePorts(allSups.length);
  const stacks = {};
  const stackOpts = (sup) => ({ supervisor: sup, logs, source: cfg.stack === 'embedded' ? 'embedded' : 'example', berthBin: BERTH });
  allSups.forEach((sup, i) => (stacks[sup] = writeStack(join(tmp, sup), { ...stackOpts(sup), port: ports[i] })));
  const source = stacks[sups[0]].source;
  if (source === 'embedded' && cfg.stack !== 'embedded') notes.push('examples/php-nginx was missing or changed shape: the harness used its embedded copy of it');
  log(`stack from ${source}; logs: ${logs}; ports ${ports.join(', ')}; temp dir ${tmp}`);
  const versions = {
    node: process.version,
    php: spawnSync(PHP_FPM, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0],
    nginx: (spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr || '').trim(),
    supervisord: available.supervisord ? spawnSync(SUPERVISORD, ['--version'], { encoding: 'utf8' }).stdout.trim() : undefined,
    s6: available.s6 ? (spawnSync('dpkg-query', ['-W', '-f', '${Version}', 's6'], { encoding: 'utf8' }).stdout || '?') : undefined,
    berth: `${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version} (${berthCommit})`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
  };

  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const R = Object.fromEntries(allSups.map((s) => [s, { start: [], stop: [], restartAll: [], restartMaster: [] }]));

  log('start: one warm-up round (not counted)');
  for (const sup of allSups) await startTest(sup, stacks[sup], 'warmup');
  for (let i = 0; i < cfg.startRuns; i++) {
    for (const sup of rotate(allSups, i)) {
      // FRESH_PORTS=1: each start on a port no earlier run used, as in a new container's network
      // namespace (no TIME_WAIT connections left on it by the previous nginx)
      const stack = cfg.freshPorts ? writeStack(join(tmp, `${sup}-${i}`), { ...stackOpts(sup), port: (await freePorts(1))[0] }) : stacks[sup];
      const r = await startTest(sup, stack, `start${i}`);
      R[sup].start.push(r);
      log(`start ${sup} #${i + 1}: first 200 after ${fmt(r.firstOkMs)} ms; before it ${r.http5xx} 5xx, ${r.dropped} dropped${r.droppedErrors.length ? ` (${r.droppedErrors.join(', ')})` : ''}, ${r.refused} refused, ${r.other} other; php-fpm spawned at ${fmt(r.spawnFpmMs)} ms, nginx at ${fmt(r.spawnNginxMs)} ms`);
    }
  }
  for (let i = 0; i < cfg.stopRuns; i++) {
    for (const sup of rotate(allSups, i)) {
      const r = await stopTest(sup, stacks[sup], `stop${i}`);
      R[sup].stop.push(r);
      log(`stop ${sup} #${i + 1}: exit after ${fmt(r.exitMs)} ms (code ${r.code}, signal ${r.signal}, ${r.leftBehind} left); after SIGTERM: ${r.after.ok} ok, ${r.after.http5xx} 5xx, ${r.after.dropped} dropped, ${r.after.refused} refused, ${r.after.other} other${r.after.otherKinds.length ? ` [${r.after.otherKinds.join(', ')}]` : ''}${r.examples.length ? ` (${r.examples.join(', ')})` : ''}; before: ${r.warm.failed + r.warm.other} not ok of ${r.warm.total}`);
    }
  }
  for (let i = 0; i < cfg.restartRuns; i++) {
    for (const sup of rotate(sups, i)) {
      const r = await restartTest(sup, stacks[sup], `restart${i}`, 'all', 15_000);
      R[sup].restartAll.push(r);
      log(`restart (master + workers) ${sup} #${i + 1}: ${r.after.failed} failed, ${r.after.refused} refused; 200s resumed after ${fmt(r.resumeMs)} ms`);
    }
  }
  for (let i = 0; i < cfg.masterRuns; i++) {
    for (const sup of rotate(sups, i)) {
      const r = await restartTest(sup, stacks[sup], `master${i}`, 'master', cfg.masterWindowS * 1000);
      R[sup].restartMaster.push(r);
      log(`restart (master only) ${sup} #${i + 1}: ${r.after.failed} failed; served by ${JSON.stringify(r.servers)}; new master serving after ${r.firstNewMasterMs === undefined ? 'never' : `${fmt(r.firstNewMasterMs)} ms`}; at the end ${JSON.stringify(r.stateAtEnd)}`);
    }
  }
  const idle = cfg.idleSeconds > 0 ? await idleTest(stacks) : {};
  for (const sup of sups) if (idle[sup]) log(`idle ${sup}: ${JSON.stringify(idle[sup])}`);

  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const minutes = (now() - T0) / 60000;
  const report = render(R, idle, { versions, logs, source, loadBefore, loadAfter, minutes });
  console.log(report);
  if (cfg.out) writeFileSync(cfg.out, JSON.stringify({ cfg, versions, logs, source, notes, loadBefore, loadAfter, results: R, idle }, null, 2));
}

const rotate = (xs, i) => xs.map((_, j) => xs[(i + j) % xs.length]);

// ---------- the report ----------
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const defined = (xs) => xs.filter((x) => x !== undefined && !Number.isNaN(x));
function medRange(xs, digits = 0) {
  const d = defined(xs);
  if (d.length === 0) return 'n/a';
  if (d.length === 1) return fmt(d[0], digits);
  return `${fmt(median(d), digits)} (${fmt(Math.min(...d), digits)}–${fmt(Math.max(...d), digits)})`;
}
function ratio(a, b) {
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return '—';
  if (b === 0) return a === 0 ? '—' : '∞';
  return `${fmt(a / b, 2)}×`;
}

function failedCell(ts) {
  const f = sum(ts.map((t) => t.failed));
  if (f === 0) return '0';
  const parts = [];
  const x5 = sum(ts.map((t) => t.http5xx));
  const xd = sum(ts.map((t) => t.dropped));
  if (x5) parts.push(`${x5} × 502`);
  if (xd) parts.push(`${xd} × reset`);
  return `${f} (${parts.join(', ')})`;
}

/** requests that neither failed nor were refused nor got 200: said apart, with what they got */
function withOther(cell, ts) {
  const other = ts.flatMap((t) => t.otherKinds ?? []);
  if (other.length === 0) return cell;
  const counts = {};
  for (const o of other) counts[o] = (counts[o] ?? 0) + 1;
  return `${cell}; other: ${Object.entries(counts).map(([k, v]) => `${v} × ${k}`).join(', ')}`;
}

function rowsFor(R, idle, cols, sections) {
  const rows = [];
  const withRatios = cols.includes('supervisord');
  const add = (label, valueOf, numberOf) => {
    const vals = cols.map((s) => valueOf(s));
    const base = withRatios ? numberOf?.('supervisord') : undefined;
    const ratios = withRatios ? cols.filter((s) => s !== 'supervisord').map((s) => (numberOf ? ratio(numberOf(s), base) : '—')) : [];
    rows.push([label, ...vals, ...ratios]);
  };
  const st = (s) => R[s].start;
  const sp = (s) => R[s].stop;
  const ra = (s) => R[s].restartAll;
  const rm = (s) => R[s].restartMaster;
  const n = { start: cfg.startRuns, stop: cfg.stopRuns, ra: cfg.restartRuns, rm: cfg.masterRuns };
  if (sections.includes('start')) {
    add(`**Start**: launch → first 200 through nginx, ms (median of ${n.start}; min–max)`, (s) => medRange(st(s).map((r) => r.firstOkMs)), (s) => median(st(s).map((r) => r.firstOkMs)));
    add(`Start: failed before the first 200 (accepted, then 502/reset), total of ${n.start} runs`, (s) => withOther(failedCell(st(s)), st(s)), (s) => sum(st(s).map((r) => r.failed)));
    add(`Start: connection refused before the first 200 (nothing listening yet), median per run`, (s) => medRange(st(s).map((r) => r.refused)), (s) => median(st(s).map((r) => r.refused)));
  }
  if (sections.includes('stop')) {
    add(`**Stop** (SIGTERM under ${cfg.rate} req/s): failed, accepted then 502/reset, total of ${n.stop} runs`, (s) => withOther(failedCell(sp(s).map((r) => r.after)), sp(s).map((r) => r.after)), (s) => sum(sp(s).map((r) => r.after.failed)));
    add(`Stop: refused once the listener closed, total of ${n.stop} runs`, (s) => String(sum(sp(s).map((r) => r.after.refused))), (s) => sum(sp(s).map((r) => r.after.refused)));
    add(`Stop: answered 200 after the SIGTERM, total of ${n.stop} runs`, (s) => `${sum(sp(s).map((r) => r.after.ok))} of ${sum(sp(s).map((r) => r.after.total))}`, undefined);
    add(`Stop: SIGTERM → supervisor exited, ms (median; min–max)`, (s) => medRange(sp(s).map((r) => r.exitMs)), (s) => median(defined(sp(s).map((r) => r.exitMs))));
    add(`Stop: processes left running when the supervisor exited, total`, (s) => String(sum(sp(s).map((r) => r.leftBehind))), undefined);
    add(`Stop: the supervisor's exit status`, (s) => [...new Set(sp(s).map((r) => (r.signal ? r.signal : r.code)))].join(', '), undefined);
  }
  if (sections.includes('restart')) {
    add(`**Restart**, kill -9 of php-fpm's master and workers: failed (502), total of ${n.ra} runs`, (s) => withOther(failedCell(ra(s).map((r) => r.after)), ra(s).map((r) => r.after)), (s) => sum(ra(s).map((r) => r.after.failed)));
    add(`Restart (master and workers): kill → 200s resume, ms (median; min–max)`, (s) => medRange(ra(s).map((r) => r.resumeMs)), (s) => median(defined(ra(s).map((r) => r.resumeMs))));
    add(`Restart, kill -9 of php-fpm's master only: failed within ${cfg.masterWindowS} s`, (s) => withOther(failedCell(rm(s).map((r) => r.after)), rm(s).map((r) => r.after)), (s) => sum(rm(s).map((r) => r.after.failed)));
    add(`Restart (master only): 200s answered by orphaned workers`, (s) => rm(s).map((r) => `${r.servers.orphan} of ${r.servers.orphan + r.servers['new master'] + r.servers.unknown}`).join(', ') || 'n/a', undefined);
    add(`Restart (master only): a new master serves after, ms`, (s) => rm(s).map((r) => (r.firstNewMasterMs === undefined ? `never (${cfg.masterWindowS} s)` : fmt(r.firstNewMasterMs, 0))).join(', ') || 'n/a', undefined);
  }
  if (sections.includes('process')) {
    add(`Supervisor start-up: launch → php-fpm spawned, ms (median; min–max)`, (s) => medRange(st(s).map((r) => r.spawnFpmMs)), (s) => median(defined(st(s).map((r) => r.spawnFpmMs))));
    add(`Supervisor start-up: launch → nginx spawned, ms (median; min–max)`, (s) => medRange(st(s).map((r) => r.spawnNginxMs)), (s) => median(defined(st(s).map((r) => r.spawnNginxMs))));
    if (cfg.idleSeconds > 0) {
      const sec = cfg.idleSeconds;
      add(`Idle RSS of the supervisor itself, MiB`, (s) => (idle[s] ? fmt(idle[s].ownRssMiB) + (idle[s].ownProcs > 1 ? ` (${idle[s].ownProcs} processes)` : '') : 'n/a'), (s) => idle[s]?.ownRssMiB);
      add(`Idle RSS with children (sum of every process's RSS), MiB`, (s) => (idle[s] ? `${fmt(idle[s].allRssMiB)} (${idle[s].nprocs} processes)` : 'n/a'), (s) => idle[s]?.allRssMiB);
      // PSS (allPssMiB, in OUT's JSON) is left out: it divides the node binary's pages among every
      // Node process on the machine, the harness's own included, so it flatters berth
      add(`Idle CPU of the supervisor over ${sec} s, ms`, (s) => (idle[s] ? fmt(idle[s].ownCpuMs, 0) : 'n/a'), (s) => idle[s]?.ownCpuMs);
      add(`Idle CPU with children over ${sec} s, ms`, (s) => (idle[s] ? fmt(idle[s].allCpuMs, 0) : 'n/a'), (s) => idle[s]?.allCpuMs);
    }
  }
  const headers = ['figure', ...cols, ...(withRatios ? cols.filter((s) => s !== 'supervisord').map((s) => `${s} ÷ supervisord`) : [])];
  return table(headers, rows);
}

function render(R, idle, { versions, logs, source, loadBefore, loadAfter, minutes }) {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${versions.cpus} × ${versions.cpuModel}; Node ${versions.node}, berth ${versions.berth}, ${versions.php}, ${versions.nginx}, supervisord ${versions.supervisord ?? 'n/a'}, s6 ${versions.s6 ?? 'n/a'}. Stack: ${source}; logs: ${logs}. Load: ${cfg.rate} req/s of /slow.php (50 ms). Load average before/after: ${loadBefore} / ${loadAfter}; cpu.shares ${leaveCpuGroup ? cfg.cpuShares : 'n/a'}; the run took ${minutes.toFixed(1)} min.`,
    '',
    rowsFor(R, idle, sups, ['start', 'stop', 'restart', 'process']),
    '',
  ];
  if (tunedSups.length) {
    lines.push('Tuned peers (start and stop only):', '', rowsFor(R, idle, ['berth', ...tunedSups].filter((s) => R[s]), ['start', 'stop']), '');
  }
  lines.push(...notes.map((x) => `- ${x}`));
  return lines.join('\n');
}

try {
  await main();
} finally {
  clearTimeout(hardLimit);
  cleanup();
}
