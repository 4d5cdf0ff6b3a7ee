#!/usr/bin/env node
// Log relay through a real pipe, side by side in one run (docs/BENCHMARKS.md, issue 2/8):
// the same writer (bench/relay.mjs's: N lines of 100 bytes, 1000 lines per write) with
// nothing in front, under `berth --log-format raw`, under supervisord (stdout_logfile=/dev/fd/1),
// under `berth --log-format json` and under `concurrently` (its default `[0] ` prefixes).
//
//   npm run build && node bench/relay-peers.mjs
//
// Knobs (environment): LINES (1000000), ROUNDS (5), ONLY (a comma list of the names below),
// BERTH_BIN (the berth to measure; default ../bin/berth.js), BERTH_BASELINE_BIN (a second build,
// e.g. before a change, run side by side as "berth raw (baseline)" and "berth json (baseline)"),
// and, only if ONLY names them: "cat", "node pipe" (the floor of a relay in C and in Node),
// "direct (own session)" (the writer started by setsid, as berth starts each service),
// TIMEOUT_S (120, per run), CPU_SHARES (8192), CPU_GROUP (0: no cpu cgroup).
//
// The consumer is a counting reader on a FIFO (Docker's log driver reads one): it stamps the
// arrival of the last payload line on the clock every Node process shares, and stores what it
// read (in /dev/shm) so that the run can be checked afterwards, outside the timing: every line
// 0..N-1 must be there, once, in order, or the run is invalid. MB/s is payload (N × 100 bytes)
// over "the writer starts writing → its last line reaches the reader", so it leaves out each
// relay's own start-up (issue 1/8); "spawn → last line" includes it.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enterCpuGroup, epochMs, exitOf, fmt, killTree, median, memKiB, sleep, spawnTracked, table } from './lib.mjs';
import { writerArgv } from './relay.mjs';

const LINES = Number(process.env.LINES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TIMEOUT_MS = Number(process.env.TIMEOUT_S ?? 120) * 1000;
const LINE_BYTES = 100;
const BATCH = 1000;
const BERTH = process.env.BERTH_BIN ?? fileURLToPath(new URL('../bin/berth.js', import.meta.url));
const CONCURRENTLY = fileURLToPath(new URL('../node_modules/.bin/concurrently', import.meta.url));
const SUPERVISORD = '/usr/bin/supervisord';

// in a cpu cgroup of its own, as in a container (see enterCpuGroup), with cpu.shares 8192 so that
// the unrelated work of a shared machine stays out of the figures as far as it can (as
// bench/head-to-head does); CPU_SHARES=1024 for a plain container's weight, CPU_GROUP=0 for none
const inCpuGroup = process.env.CPU_GROUP !== '0' && enterCpuGroup(Number(process.env.CPU_SHARES ?? 8192)) !== undefined;

const tmp = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'berth-bench-relay-'));
if (!process.env.KEEP_TMP) process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// bench/relay.mjs's writer, from a file so that every peer (supervisord's command= too) runs the
// same program; first it stamps the moment it starts writing into $BENCH_WRITER_T0
const writerFile = join(tmp, 'writer.cjs');
const T0_FILE = join(tmp, 'writer-t0');
writeFileSync(
  writerFile,
  `require('fs').writeFileSync(process.env.BENCH_WRITER_T0, String(performance.timeOrigin + performance.now()));
process.argv.splice(1, 1); // argv as under node -e
${writerArgv(1, LINE_BYTES, BATCH)[2]}`,
);
const writer = [process.execPath, writerFile, String(LINES), String(LINE_BYTES), String(BATCH)];

const supervisordConf = join(tmp, 'supervisord.conf');
writeFileSync(
  supervisordConf,
  `[supervisord]
nodaemon=true
; without it supervisord writes its own log lines to stdout too, in the middle of the child's lines
silent=true
logfile=${tmp}/supervisord.log
pidfile=${tmp}/supervisord.pid
childlogdir=${tmp}

[program:writer]
command=${writer.join(' ')}
autostart=true
autorestart=false
startsecs=0
startretries=0
stdout_logfile=/dev/fd/1
stdout_logfile_maxbytes=0
stderr_logfile=/dev/fd/2
stderr_logfile_maxbytes=0
`,
);

const VARIANTS = {
  direct: { argv: writer },
  'berth raw': { argv: [process.execPath, BERTH, '--log-format', 'raw', '--', ...writer] },
  supervisord: { argv: [SUPERVISORD, '-n', '-c', supervisordConf], daemon: true },
  'berth json': { argv: [process.execPath, BERTH, '--log-format', 'json', '--', ...writer] },
  // concurrently calls process.exit() as soon as its command ends, before its stdout has drained,
  // and the tail of the output is lost (see the check at the end): here the command stays alive
  // after the writer, and the run ends at the last line as with supervisord
  concurrently: { argv: [CONCURRENTLY, `${writer.join(' ')}; exec sleep 600`], daemon: true },
};
// another build of berth side by side (before/after a change to the relay): BERTH_BASELINE_BIN
const BASELINE = process.env.BERTH_BASELINE_BIN;
if (BASELINE) {
  VARIANTS['berth raw (baseline)'] = { argv: [process.execPath, BASELINE, '--log-format', 'raw', '--', ...writer] };
  VARIANTS['berth json (baseline)'] = { argv: [process.execPath, BASELINE, '--log-format', 'json', '--', ...writer] };
}
// references, only when named in ONLY: the floor of a relay in C and in Node, and the writer
// alone in a session of its own (as berth starts every service)
const NODE_PIPE = `const s = new (require('net').Socket)({ fd: 0, readable: true, writable: false });
s.on('data', (b) => { if (!process.stdout.write(b)) { s.pause(); process.stdout.once('drain', () => s.resume()); } });`;
const EXTRA = {
  cat: { argv: ['/bin/sh', '-c', '"$@" | cat', 'sh', ...writer] },
  'node pipe': { argv: ['/bin/sh', '-c', '"$@" | "$0" -e "$BENCH_NODE_PIPE"', process.execPath, ...writer] },
  'direct (own session)': { argv: ['setsid', ...writer] },
};
/** the same, with the writer's exit ending concurrently: how many lines does the reader get? */
const CONCURRENTLY_EXITING = { argv: [CONCURRENTLY, writer.join(' ')] };
const only = process.env.ONLY ? process.env.ONLY.split(',').map((s) => s.trim()) : Object.keys(VARIANTS);
Object.assign(VARIANTS, EXTRA);
for (const name of only) if (!VARIANTS[name]) throw new Error(`ONLY: unknown relay "${name}" (${Object.keys(VARIANTS).join(', ')})`);
for (const f of [SUPERVISORD, CONCURRENTLY, join(BERTH, '../../dist/berth.js'), ...(BASELINE ? [BASELINE] : [])])
  if (!existsSync(f)) throw new Error(`missing ${f} (npm run build? apt-get install supervisor? npm ci?)`);

/**
 * The consumer: opens the FIFO, reads it in 1 MiB reads, stores every byte and stamps the read
 * that completes the last payload line. With stop=1 it leaves there (supervisord never exits by
 * itself). Prints {bytes, tLast} on stdout.
 */
const READER = `
const fs = require('fs');
const [fifo, outFile, last, stop] = process.argv.slice(1);
const now = () => performance.timeOrigin + performance.now();
function finder(text) {
  const needle = Buffer.from(text);
  let tail = Buffer.alloc(0);
  return (chunk) => {
    const joined = Buffer.concat([tail, chunk.subarray(0, needle.length - 1)]);
    const hit = chunk.indexOf(needle) !== -1 || joined.indexOf(needle) !== -1;
    const all = chunk.length >= needle.length - 1 ? chunk : Buffer.concat([tail, chunk]);
    tail = Buffer.from(all.subarray(Math.max(0, all.length - (needle.length - 1))));
    return hit;
  };
}
const seeLast = finder(last);
const fd = fs.openSync(fifo, 'r');
const out = fs.openSync(outFile, 'w');
const buf = Buffer.allocUnsafe(1 << 20);
let bytes = 0, tLast = 0;
for (;;) {
  const n = fs.readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  const t = now();
  const chunk = buf.subarray(0, n);
  bytes += n;
  fs.writeSync(out, chunk);
  if (!tLast && seeLast(chunk)) {
    tLast = t;
    if (stop === '1') break;
  }
}
process.stdout.write(JSON.stringify({ bytes, tLast }));
`;

const seq = (i) => String(i).padStart(10, '0');
const PAD = 'x'.repeat(LINE_BYTES - 12);

/** every payload line once and in order: "<10-digit seq> <88 x>", whatever a relay put around it */
function validate(file) {
  const buf = readFileSync(file);
  const pad = Buffer.from(PAD);
  let next = 0;
  let problem;
  for (let at = buf.indexOf(pad); at !== -1; at = buf.indexOf(pad, at + pad.length)) {
    const n = Number(buf.latin1Slice(at - 11, at - 1));
    if (n !== next || buf[at + pad.length] === 120 /* x: two lines run together */) {
      problem ??= `line ${next}: found ${buf.latin1Slice(Math.max(0, at - 11), at + 2)}…`;
      if (n > next) next = n;
    }
    next++;
  }
  if (next !== LINES) problem ??= `${next} of ${LINES} lines arrived`;
  return { bytes: buf.length, problem };
}

async function runOnce(name, v = VARIANTS[name]) {
  const fifo = join(tmp, 'fifo');
  const outFile = join(tmp, 'out');
  rmSync(fifo, { force: true });
  rmSync(T0_FILE, { force: true });
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');

  const reader = spawnTracked(process.execPath, ['-e', READER, fifo, outFile, `${seq(LINES - 1)} ${PAD}`, v.daemon ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let report = '';
  reader.stdout.setEncoding('utf8').on('data', (s) => (report += s));
  const t0 = epochMs();
  // sh opens the FIFO (waiting for the reader), then becomes the relay: its pid is the relay's.
  // stderr goes to a file, not a socketpair: supervisord reopens /dev/fd/2, which fails on a socket
  const errFile = join(tmp, 'stderr');
  const errFd = openSync(errFile, 'w');
  const relay = spawnTracked('/bin/sh', ['-c', 'exec "$@" > "$0"', fifo, ...v.argv], {
    stdio: ['ignore', 'ignore', errFd],
    cwd: tmp,
    env: { ...process.env, BERTH_READY_FILE: join(tmp, 'ready'), NO_COLOR: '1', BENCH_WRITER_T0: T0_FILE, BENCH_NODE_PIPE: NODE_PIPE },
  });
  closeSync(errFd);
  const stderr = () => readFileSync(errFile, 'utf8').trim().split('\n').slice(-3).join(' / ');
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, memKiB(relay.pid)?.hwm || 0)), 25);

  const result = { name, valid: false };
  try {
    await exitOf(reader, TIMEOUT_MS, `${name}: the reader to see line ${LINES - 1}`);
    const r = JSON.parse(report);
    clearInterval(sampler);
    if (v.daemon) relay.kill('SIGTERM');
    await exitOf(relay, 10_000, `${name} to exit`).catch((err) => {
      killTree(relay.pid);
      result.note = err.message;
    });
    const check = validate(outFile);
    const tWriter = Number(readFileSync(T0_FILE, 'utf8'));
    Object.assign(result, {
      valid: r.tLast > 0 && !check.problem,
      problem: check.problem,
      mbps: (LINES * LINE_BYTES) / 1e6 / ((r.tLast - tWriter) / 1000),
      spawnToLastS: (r.tLast - t0) / 1000,
      outBytes: r.bytes,
      peakKiB: peak,
    });
  } catch (err) {
    result.problem = `${err.message}; its stderr ends: ${stderr() || '(nothing)'}`;
  } finally {
    clearInterval(sampler);
    killTree(relay.pid);
    killTree(reader.pid);
    rmSync(outFile, { force: true });
  }
  return result;
}

const results = Object.fromEntries(only.map((n) => [n, []]));
console.error(`relay: ${LINES} lines × ${LINE_BYTES} B, ${ROUNDS} rounds, order rotated each round`);
for (let round = 0; round < ROUNDS; round++) {
  const order = only.map((_, i) => only[(i + round) % only.length]);
  for (const name of order) {
    const r = await runOnce(name);
    results[name].push(r);
    console.error(
      `  round ${round + 1} ${name}: ${r.valid ? `${fmt(r.mbps)} MB/s, spawn → last ${fmt(r.spawnToLastS, 2)} s, peak RSS ${fmt(r.peakKiB / 1024)} MiB` : `INVALID: ${r.problem}`}${r.note ? ` (${r.note})` : ''}`,
    );
    await sleep(200);
  }
}

const summary = {};
const rows = only.map((name) => {
  const ok = results[name].filter((r) => r.valid);
  const s = (summary[name] = {
    mbps: ok.length ? median(ok.map((r) => r.mbps)) : NaN,
    min: Math.min(...ok.map((r) => r.mbps)),
    max: Math.max(...ok.map((r) => r.mbps)),
    spawnToLastS: ok.length ? median(ok.map((r) => r.spawnToLastS)) : NaN,
    peakMiB: Math.max(...results[name].map((r) => r.peakKiB ?? 0)) / 1024,
    valid: ok.length,
    runs: results[name].length,
  });
  return [
    name,
    ok.length ? fmt(s.mbps) : '—',
    ok.length ? `${fmt(s.min)}–${fmt(s.max)}` : '—',
    ok.length ? fmt(s.spawnToLastS, 2) : '—',
    name === 'direct' ? '—' : fmt(s.peakMiB),
    `${s.valid}/${s.runs}`,
  ];
});
console.log(
  `\nlog relay of ${LINES.toLocaleString('en')} × ${LINE_BYTES}-byte lines into a counting reader on a FIFO, Node ${process.version}, ${ROUNDS} rounds; ` +
    `${inCpuGroup ? 'in a cpu cgroup of its own' : 'no cpu cgroup'}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`,
);
console.log(table(['relay', 'MB/s (median)', 'min–max', 'spawn → last line, s', 'peak RSS of the relay, MiB', 'valid runs'], rows));
const ratio = (a, b) => (summary[a] && summary[b] ? `${fmt(summary[a].mbps / summary[b].mbps, 2)}x` : 'n/a');
console.log('');
console.log(
  table(
    ['ratio (MB/s)', 'measured', 'target'],
    [
      ['berth raw / direct', ratio('berth raw', 'direct'), '≥ 0.9x'],
      ['berth raw / supervisord', ratio('berth raw', 'supervisord'), ''],
      ['berth json / concurrently', ratio('berth json', 'concurrently'), '≥ 5x'],
      ['berth raw / berth raw (baseline)', ratio('berth raw', 'berth raw (baseline)'), ''],
      ['berth json / berth json (baseline)', ratio('berth json', 'berth json (baseline)'), ''],
    ].filter((row) => row[1] !== 'n/a'),
  ),
);
const invalid = Object.values(results).flat().filter((r) => !r.valid);
if (invalid.length) console.log(`\ninvalid runs (left out): ${invalid.map((r) => `${r.name}: ${r.problem}`).join('; ')}`);
if (only.includes('concurrently')) {
  const r = await runOnce('concurrently, exiting with its command', CONCURRENTLY_EXITING);
  console.log(`\nconcurrently when its command exits (one run): ${r.valid ? 'every line arrived' : r.problem}`);
  results['concurrently, exiting with its command'] = [r];
}
if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify({ lines: LINES, rounds: ROUNDS, results, summary }, null, 2));
