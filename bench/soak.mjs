#!/usr/bin/env node
// Soak (docs/RELIABILITY.md): berth runs three services and a job for SOAK_SECONDS (default
// 600): one floods its log, two crash and restart again and again, and an HTTP app checked for
// liveness every second hangs now and then (unhealthy, restarted); a job runs every
// JOB_EVERY_S (5) seconds. Every SAMPLE_MS berth's own
// VmRSS and its count of open file descriptors (/proc/PID/fd) are read, and V8's heap as
// berth reports it (`berth ctl status`: berth.memory over the control socket), which tells
// growth of live JavaScript objects from the rest (young generation, code, native memory).
// Leaks show as a line that climbs: the report fits a slope to the second half of the run.
//
//   npm run build && node bench/soak.mjs              # 10 minutes
//   SOAK_SECONDS=180 node bench/soak.mjs              # a shorter run
//
// Knobs (environment): SOAK_SECONDS (600), SAMPLE_MS (5000), FLOOD_LINES_PER_S (5000 lines of
// ~120 bytes, with a JSON line, a 70 KiB line and invalid UTF-8 mixed in), LIFE_MS (3000:
// how long each service lives before it crashes; berth's backoff, 1 s doubling within 60 s,
// decides when it comes back). Not part of `npm test`.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, table } from './lib.mjs';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 5000);
const FLOOD = Number(process.env.FLOOD_LINES_PER_S ?? 5000);
const LIFE_MS = Number(process.env.LIFE_MS ?? 3000);
const JOB_EVERY_S = Number(process.env.JOB_EVERY_S ?? 5);
const BERTH = fileURLToPath(new URL('../bin/berth.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'berth-soak-'));
const script = (name, body) => (writeFileSync(join(dir, name), body), join(dir, name));

// logs FLOOD lines a second in 10 ms ticks, then crashes after LIFE_MS (exit 1 or a signal)
const flood = script('flood.mjs', `
const perTick = Math.max(1, Math.round(${FLOOD} / 100));
let n = 0;
const bad = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]);
setInterval(() => {
  let out = '';
  for (let i = 0; i < perTick; i++, n++) {
    if (n % 1000 === 0) out += JSON.stringify({ level: 'info', msg: 'json line', n, nested: { a: [1, 2, 3] } }) + '\\n';
    else if (n % 5000 === 1) out += 'z'.repeat(70 * 1024) + '\\n';
    else out += 'line ' + n + ' ' + 'x'.repeat(100) + '\\n';
  }
  process.stdout.write(out);
  if (n % 2000 < perTick) process.stderr.write(bad);
}, 10);
console.log('up');
setTimeout(() => (Math.random() < 0.5 ? process.exit(1) : process.kill(process.pid, 'SIGKILL')), ${LIFE_MS});
`);
// quiet, ready through a log probe, forks a short-lived grandchild, crashes after LIFE_MS
const crasher = script('crasher.mjs', `
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
console.log('listening');
setInterval(() => spawn('true', { stdio: 'ignore' }), 500);
setTimeout(() => process.exit(3), ${LIFE_MS} * 1.5);
`);
// an HTTP app checked for liveness every second; it stops answering /health now and then
// (a quarter of its lives: 3 failures in a row, unhealthy, stopped and restarted by berth)
const app = script('app.mjs', `
import { createServer } from 'node:http';
const hang = Math.random() < 0.25 ? Date.now() + 20000 : Infinity;
createServer((req, res) => { if (Date.now() < hang) res.end('ok'); }).listen(Number(process.env.PORT), '127.0.0.1');
`);
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const control = join(dir, 'control.sock');
const config = script('berth.yaml', `
shutdownTimeout: 5s
control: ${control}
services:
  flood: { command: [node, ${flood}], restart: always, maxRestarts: 100 }
  crasher: { command: [node, ${crasher}], restart: on-failure, maxRestarts: 100, ready: { log: listening }, readyTimeout: 10s }
  app:
    command: [node, ${app}]
    env: { PORT: "${port}" }
    ready: http://127.0.0.1:${port}/health
    liveness: { interval: 1s, timeout: 500ms, failures: 3 }
    restart: always
    maxRestarts: unlimited
jobs:
  tick: { command: [sh, -c, "echo tick"], schedule: "@every ${JOB_EVERY_S}s" }
`);

const berth = spawn(process.execPath, [BERTH, '-c', config], {
  env: { ...process.env, BERTH_READY_FILE: join(dir, 'ready'), BERTH_LOG_FORMAT: 'json' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const counts = { lines: 0, bytes: 0, restarts: 0, starts: 0, events: 0, nonJson: 0, unhealthy: 0, jobRuns: 0 };
let pending = '';
berth.stdout.setEncoding('utf8').on('data', (chunk) => {
  counts.bytes += Buffer.byteLength(chunk);
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    counts.lines++;
    if (!line.startsWith('{"level"')) counts.nonJson++; // child JSON lines keep their own key order
    if (line.includes('"event":"service.restart"')) counts.restarts++;
    else if (line.includes('"event":"service.start"')) counts.starts++;
    if (line.includes('"event":') && !line.includes('"stream":')) counts.events++;
    if (line.includes('"event":"service.unhealthy"')) counts.unhealthy++;
    if (line.includes('"event":"job.start"')) counts.jobRuns++;
  }
});
let stderr = '';
berth.stderr.setEncoding('utf8').on('data', (c) => (stderr += c).length > 100_000 && (stderr = stderr.slice(-50_000)));

/** berth's own memory as it reports it: `berth ctl status` over the control socket (1 s at most) */
function heap() {
  return new Promise((resolve) => {
    let reply = '';
    const c = connect(control);
    const done = (v) => (c.destroy(), clearTimeout(timer), resolve(v));
    const timer = setTimeout(() => done(undefined), 1000);
    c.once('error', () => done(undefined));
    c.on('connect', () => c.write('{"v":1,"cmd":"status"}\n'));
    c.setEncoding('utf8').on('data', (d) => {
      reply += d;
      if (!reply.includes('\n')) return;
      try {
        const m = JSON.parse(reply.slice(0, reply.indexOf('\n'))).status?.berth?.memory;
        done(m && { heapUsedMiB: m.heapUsedBytes / 2 ** 20, heapTotalMiB: m.heapTotalBytes / 2 ** 20 });
      } catch {
        done(undefined);
      }
    });
  });
}

async function sample() {
  try {
    const status = readFileSync(`/proc/${berth.pid}/status`, 'utf8');
    const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const h = (await heap()) ?? { heapUsedMiB: NaN, heapTotalMiB: NaN };
    return { t: (Date.now() - t0) / 1000, rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024, ...h, fds: readdirSync(`/proc/${berth.pid}/fd`).length, threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]), ...counts };
  } catch {
    return undefined;
  }
}

/** least-squares slope of y over t, per minute */
function slopePerMin(points, key) {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p[key], 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p[key] - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

const t0 = Date.now();
const samples = [];
process.stderr.write(`soak: ${SOAK_SECONDS} s, berth pid ${berth.pid}, sampling every ${SAMPLE_MS} ms\n`);
const timer = setInterval(async () => {
  const s = await sample();
  if (!s) return;
  samples.push(s);
  process.stderr.write(`  t=${fmt(s.t, 0)}s rss=${fmt(s.rssMiB)}MiB anon=${fmt(s.anonMiB)}MiB heap=${fmt(s.heapUsedMiB)}/${fmt(s.heapTotalMiB)}MiB fds=${s.fds} threads=${s.threads} lines=${s.lines} restarts=${s.restarts}\n`);
}, SAMPLE_MS);

const exited = new Promise((resolve) => berth.once('exit', (code, signal) => resolve({ code, signal })));
const early = await Promise.race([exited, new Promise((r) => setTimeout(r, SOAK_SECONDS * 1000, undefined))]);
clearInterval(timer);
let stop = { code: early?.code, ms: 0 };
if (!early) {
  const t1 = Date.now();
  berth.kill('SIGTERM');
  const r = await exited;
  stop = { code: r.code, ms: Date.now() - t1 };
}
rmSync(dir, { recursive: true, force: true });

const second = samples.filter((s) => s.t >= SOAK_SECONDS / 2);
const firstMinute = samples.filter((s) => s.t >= 30 && s.t <= 90);
const lastMinute = samples.filter((s) => s.t >= SOAK_SECONDS - 60);
const rss = samples.map((s) => s.rssMiB);
const fds = samples.map((s) => s.fds);
const result = {
  seconds: Math.round((Date.now() - t0) / 1000),
  samples: samples.length,
  stillRunningAtEnd: !early,
  stop,
  relayed: { lines: counts.lines, MiB: Number(fmt(counts.bytes / 2 ** 20)), nonJsonLines: counts.nonJson },
  serviceStarts: counts.starts,
  restarts: counts.restarts,
  unhealthy: counts.unhealthy,
  jobRuns: counts.jobRuns,
  rssMiB: { first: Number(fmt(rss[0])), last: Number(fmt(rss.at(-1))), min: Number(fmt(Math.min(...rss))), max: Number(fmt(Math.max(...rss))), firstMinuteMedian: Number(fmt(median(firstMinute.map((s) => s.rssMiB)) ?? NaN)), lastMinuteMedian: Number(fmt(median(lastMinute.map((s) => s.rssMiB)) ?? NaN)), slopeSecondHalfPerMin: Number(fmt(slopePerMin(second, 'rssMiB'), 2)) },
  heapUsedMiB: { first: Number(fmt(samples[0]?.heapUsedMiB)), last: Number(fmt(samples.at(-1)?.heapUsedMiB)), firstMinuteMedian: Number(fmt(median(firstMinute.map((s) => s.heapUsedMiB)) ?? NaN)), lastMinuteMedian: Number(fmt(median(lastMinute.map((s) => s.heapUsedMiB)) ?? NaN)), slopeSecondHalfPerMin: Number(fmt(slopePerMin(second.filter((s) => !Number.isNaN(s.heapUsedMiB)), 'heapUsedMiB'), 2)) },
  heapTotalMiB: { last: Number(fmt(samples.at(-1)?.heapTotalMiB)), slopeSecondHalfPerMin: Number(fmt(slopePerMin(second.filter((s) => !Number.isNaN(s.heapTotalMiB)), 'heapTotalMiB'), 2)) },
  anonMiB: { first: Number(fmt(samples[0]?.anonMiB)), last: Number(fmt(samples.at(-1)?.anonMiB)), slopeSecondHalfPerMin: Number(fmt(slopePerMin(second, 'anonMiB'), 2)) },
  fds: { min: Math.min(...fds), max: Math.max(...fds), first: fds[0], last: fds.at(-1), slopeSecondHalfPerMin: Number(fmt(slopePerMin(second, 'fds'), 2)) },
};
// flat: over the second half neither trends up (under 1 MiB and 0.5 fd a minute), and the
// last minute holds no more fds than the first half did (the count moves by a few as children
// come and go: two pipes each, and a grandchild now and then)
const firstHalf = samples.filter((s) => s.t < SOAK_SECONDS / 2);
result.fds.maxFirstHalf = Math.max(...firstHalf.map((s) => s.fds));
result.fds.maxLastMinute = Math.max(...lastMinute.map((s) => s.fds));
result.flat = result.rssMiB.slopeSecondHalfPerMin < 1 && result.fds.slopeSecondHalfPerMin < 0.5 && result.fds.maxLastMinute <= result.fds.maxFirstHalf + 1;

console.log(table(['t (s)', 'VmRSS (MiB)', 'anon (MiB)', 'V8 heap used / total (MiB)', 'open fds', 'lines relayed', 'restarts'], samples.filter((_, i) => i % Math.max(1, Math.round(samples.length / 12)) === 0 || i === samples.length - 1).map((s) => [fmt(s.t, 0), fmt(s.rssMiB), fmt(s.anonMiB), `${fmt(s.heapUsedMiB)} / ${fmt(s.heapTotalMiB)}`, s.fds, s.lines, s.restarts])));
console.log(JSON.stringify(result, null, 2));
if (stderr.trim()) process.stderr.write(`berth stderr (last part):\n${stderr.slice(-2000)}\n`);
process.exit(result.stillRunningAtEnd && stop.code === 0 && result.flat ? 0 : 1);
