#!/usr/bin/env node
// Resident memory of the supervisor process itself, side by side in one run (docs/BENCHMARKS.md,
// issue 2/8): berth and supervisord (and concurrently, another Node process that runs several
// commands) each running the same two `sleep infinity` services, idle; then each relaying a
// flood of log lines into a stdout that nobody reads for a while.
//
//   npm run build && node bench/memory.mjs
//
// Knobs (environment): SETTLE_MS (5000: idle time after ready before the reading), FLOOD_LINES
// (500000 lines of 100 bytes), STUCK_MS (3000: how long the reader leaves stdout unread),
// DRAIN_MS (4000: then it reads everything).
//
// Idle: VmRSS of the supervisor's own pid (/proc/PID/status), read SETTLE_MS after it said
// ready (berth: its `ready` event; supervisord: both programs RUNNING; concurrently: both
// started). Flood: the peak (VmHWM) of the same pid while it relays a writer into a FIFO whose
// reader sleeps STUCK_MS before it reads: what piles up inside the relay when the log consumer
// stalls (Docker's is a FIFO too).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants, exitOf, fmt, killTree, memKiB, sleep, spawnTracked, table } from './lib.mjs';
import { writerArgv } from './relay.mjs';

const SETTLE_MS = Number(process.env.SETTLE_MS ?? 5000);
const FLOOD_LINES = Number(process.env.FLOOD_LINES ?? 500_000);
const STUCK_MS = Number(process.env.STUCK_MS ?? 3000);
const DRAIN_MS = Number(process.env.DRAIN_MS ?? 4000);
const BERTH = fileURLToPath(new URL('../bin/berth.js', import.meta.url));
const CONCURRENTLY = fileURLToPath(new URL('../node_modules/.bin/concurrently', import.meta.url));
const SUPERVISORD = '/usr/bin/supervisord';
for (const f of [SUPERVISORD, CONCURRENTLY, join(BERTH, '../../dist/berth.js')]) if (!existsSync(f)) throw new Error(`missing ${f}`);

const tmp = mkdtempSync(join(tmpdir(), 'berth-bench-memory-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const SLEEP = '/bin/sleep';

// bench/relay.mjs's writer, from a file (supervisord's command= cannot hold node -e's script)
const writerFile = join(tmp, 'writer.cjs');
writeFileSync(writerFile, `process.argv.splice(1, 1); // argv as under node -e\n${writerArgv(1)[2]}`);
const writer = [process.execPath, writerFile, String(FLOOD_LINES), '100', '1000'];

writeFileSync(
  join(tmp, 'idle.yaml'),
  `readyFile: ${tmp}/berth-ready
services:
  one: { command: [${SLEEP}, infinity] }
  two: { command: [${SLEEP}, infinity] }
`,
);

const supervisordConf = (name, programs) => {
  const file = join(tmp, `supervisord-${name}.conf`);
  writeFileSync(
    file,
    `[supervisord]
nodaemon=true
silent=true
logfile=${tmp}/supervisord-${name}.log
pidfile=${tmp}/supervisord-${name}.pid
childlogdir=${tmp}
${Object.entries(programs)
  .map(
    ([prog, cmd]) => `
[program:${prog}]
command=${cmd}
autorestart=false
startsecs=1
stdout_logfile=/dev/fd/1
stdout_logfile_maxbytes=0
stderr_logfile=/dev/fd/2
stderr_logfile_maxbytes=0
`,
  )
  .join('')}`,
  );
  return file;
};
const supIdle = supervisordConf('idle', { one: `${SLEEP} infinity`, two: `${SLEEP} infinity` });
const supFlood = supervisordConf('flood', { writer: writer.join(' ') });

/** output of a process, kept in a file (not a socketpair: supervisord reopens /dev/fd/N) */
function outFile(name) {
  const file = join(tmp, `${name}.out`);
  const fd = openSync(file, 'w');
  return { fd, text: () => readFileSync(file, 'utf8') };
}

async function until(what, ms, check) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(50);
  }
}

const IDLE = {
  berth: {
    argv: [process.execPath, BERTH, '-c', join(tmp, 'idle.yaml')],
    ready: (out) => /"event":"ready"/.test(out()),
  },
  supervisord: {
    argv: [SUPERVISORD, '-n', '-c', supIdle],
    ready: () => (readFileSync(join(tmp, 'supervisord-idle.log'), 'utf8').match(/entered RUNNING state/g) ?? []).length === 2,
  },
  concurrently: {
    argv: [CONCURRENTLY, `${SLEEP} infinity`, `${SLEEP} infinity`],
    ready: (_, pid) => descendants(pid).filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep').length === 2,
  },
};

async function idle(name) {
  const v = IDLE[name];
  const out = outFile(`idle-${name}`);
  const proc = spawnTracked(v.argv[0], v.argv.slice(1), { stdio: ['ignore', out.fd, out.fd], cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
  closeSync(out.fd);
  try {
    await until(`${name} ready`, 30_000, () => {
      try {
        return v.ready(out.text, proc.pid);
      } catch {
        return false;
      }
    });
    await sleep(SETTLE_MS);
    return memKiB(proc.pid);
  } finally {
    proc.kill('SIGTERM');
    await exitOf(proc, 10_000).catch(() => killTree(proc.pid));
  }
}

const FLOOD = {
  'berth json': [process.execPath, BERTH, '--log-format', 'json', '--', ...writer],
  'berth raw': [process.execPath, BERTH, '--log-format', 'raw', '--', ...writer],
  supervisord: [SUPERVISORD, '-n', '-c', supFlood],
  concurrently: [CONCURRENTLY, `${writer.join(' ')}; exec ${SLEEP} 600`],
};

async function flood(name) {
  const fifo = join(tmp, 'fifo');
  rmSync(fifo, { force: true });
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
  // the log consumer: opens the FIFO at once, reads nothing for STUCK_MS, then everything
  const reader = spawnTracked('/bin/sh', ['-c', `exec 0<"$0"; sleep ${STUCK_MS / 1000}; exec cat > /dev/null`, fifo], { stdio: ['ignore', 'ignore', 'inherit'] });
  const err = outFile(`flood-${name.replace(' ', '-')}`);
  const relay = spawnTracked('/bin/sh', ['-c', 'exec "$@" > "$0"', fifo, ...FLOOD[name]], {
    stdio: ['ignore', 'ignore', err.fd],
    cwd: tmp,
    env: { ...process.env, BERTH_READY_FILE: join(tmp, 'flood-ready'), NO_COLOR: '1' },
  });
  closeSync(err.fd);
  let stuckPeak = 0;
  let peak = 0;
  const started = Date.now();
  try {
    while (Date.now() - started < STUCK_MS + DRAIN_MS) {
      const m = memKiB(relay.pid);
      if (!m) break; // the relay is done (berth, once the writer exits and the FIFO drained)
      peak = Math.max(peak, m.hwm);
      if (Date.now() - started < STUCK_MS) stuckPeak = peak;
      await sleep(25);
    }
  } finally {
    killTree(relay.pid);
    killTree(reader.pid);
  }
  if (Date.now() - started < STUCK_MS) throw new Error(`${name} exited while its stdout was still unread: ${err.text().trim().slice(-500)}`);
  return { stuckPeak, peak };
}

console.error(`memory: idle (two sleep services, ${SETTLE_MS} ms after ready), then a flood of ${FLOOD_LINES} lines into a reader stuck for ${STUCK_MS} ms`);
const idleKiB = {};
for (const name of Object.keys(IDLE)) {
  idleKiB[name] = await idle(name);
  console.error(`  idle ${name}: VmRSS ${fmt(idleKiB[name].rss / 1024)} MiB`);
}
const floodKiB = {};
for (const name of Object.keys(FLOOD)) {
  floodKiB[name] = await flood(name);
  console.error(`  flood ${name}: peak ${fmt(floodKiB[name].peak / 1024)} MiB`);
}

const mib = (k) => (k ? fmt(k / 1024) : '—');
console.log(`\nresident memory of the supervisor's own process (MiB), Node ${process.version}\n`);
console.log(
  table(
    ['supervisor', 'idle VmRSS, two sleep services', `flood: peak while stdout is unread (${STUCK_MS / 1000} s)`, 'flood: peak overall'],
    [
      ['berth (json logs)', mib(idleKiB.berth.rss), mib(floodKiB['berth json'].stuckPeak), mib(floodKiB['berth json'].peak)],
      ['berth (raw logs)', '', mib(floodKiB['berth raw'].stuckPeak), mib(floodKiB['berth raw'].peak)],
      ['supervisord', mib(idleKiB.supervisord.rss), mib(floodKiB.supervisord.stuckPeak), mib(floodKiB.supervisord.peak)],
      ['concurrently', mib(idleKiB.concurrently.rss), mib(floodKiB.concurrently.stuckPeak), mib(floodKiB.concurrently.peak)],
    ],
  ),
);
console.log(`\nberth / supervisord, idle: ${fmt(idleKiB.berth.rss / idleKiB.supervisord.rss, 2)}x`);
