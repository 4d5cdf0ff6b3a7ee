#!/usr/bin/env node
// Scheduled jobs (docs/BENCHMARKS.md): how close to its due time a job starts, and what
// configured jobs cost in memory.
//
//   npm run build && flock /work/wt/bench.lock node bench/jobs.mjs
//
// Accuracy: one `@every 1s` job whose command prints its own clock (`date +%s%N`), RUNS
// runs (100). Three lags per run against the due time berth logs in job.start (`dueAt`):
// when the scheduler's timer fired (job.start's `lateMs`), when job.start was logged (after
// the spawn), and when the job's process read the clock (what a user's command sees). No peer: there is
// no cron for containers in the package registries this machine reaches (supercronic is a
// Go binary; cron and busybox crond count whole minutes), so the due time is the yardstick.
//
// Memory: VmRSS of berth idle with one service and no jobs, with the same service and JOBS
// (50) jobs of distinct cron schedules none of which is due during the reading, and, as the
// peer, with the same number of config entries that are no jobs (50 skipped tasks):
// SETTLE_MS (5000) after ready, three starts each, median. MEMORY_ONLY=1 skips accuracy.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, fmt, killTree, median, memKiB, percentile, sleep, spawnTracked, table } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 100);
const JOBS = Number(process.env.JOBS ?? 50);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 5000);
const BERTH = fileURLToPath(new URL('../bin/berth.js', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'berth-bench-jobs-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function start(name, yaml) {
  const cfg = join(tmp, `${name}.yaml`);
  writeFileSync(cfg, `readyFile: ${join(tmp, `${name}.ready`)}\n${yaml}`);
  const file = join(tmp, `${name}.out`);
  const fd = openSync(file, 'w');
  const proc = spawnTracked(process.execPath, [BERTH, '-c', cfg], { stdio: ['ignore', fd, fd], cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
  closeSync(fd);
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  return { proc, lines };
}

async function until(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(100);
  }
}

async function stop(proc) {
  proc.kill('SIGTERM');
  await exitOf(proc, 15_000).catch(() => killTree(proc.pid));
}

const SERVICE = 'services:\n  app: { command: [sleep, infinity] }\n';

async function accuracy() {
  const b = start('accuracy', `${SERVICE}jobs:\n  tick:\n    schedule: "@every 1s"\n    command: [date, "+%s%N"]\n`);
  const runs = await until(`${RUNS} runs`, (RUNS + 30) * 1000, () => {
    const l = b.lines();
    const starts = l.filter((x) => x.event === 'job.start');
    const said = l.filter((x) => x.service === 'tick' && x.stream === 'stdout');
    return said.length >= RUNS && starts.length >= RUNS ? { starts, said } : undefined;
  });
  await stop(b.proc);
  // the n-th line of output belongs to the n-th run: overlap is skip and each run is one date
  const wokeLag = runs.starts.slice(0, RUNS).map((s) => s.lateMs);
  const berthLag = runs.starts.slice(0, RUNS).map((s) => Date.parse(s.time) - Date.parse(s.dueAt));
  const jobLag = runs.starts.slice(0, RUNS).map((s, i) => Number(BigInt(runs.said[i].msg) / 1000n) / 1000 - Date.parse(s.dueAt));
  return { wokeLag, berthLag, jobLag, skipped: b.lines().filter((x) => x.event === 'job.skipped').length };
}

function jobsYaml(n, kind = 'jobs') {
  if (n === 0) return SERVICE;
  // the same number of config entries without a scheduler: tasks that are skipped
  if (kind === 'tasks') return `${SERVICE}tasks:\n${Array.from({ length: n }, (_, i) => `  - name: t${i}\n    command: [true]\n    skip: true`).join('\n')}\n`;
  // distinct schedules, none due in the next minutes: minute m of hour (h + 2) % 24
  const now = new Date();
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`  job${i}:\n    schedule: "${i % 60} ${(now.getUTCHours() + 2) % 24} * * *"\n    command: [true]`);
  return `${SERVICE}jobs:\n${lines.join('\n')}\n`;
}

async function memory(n, kind) {
  const readings = [];
  for (let i = 0; i < 3; i++) {
    const b = start(`mem-${kind}-${n}-${i}`, jobsYaml(n, kind));
    await until('ready', 30_000, () => b.lines().some((l) => l.event === 'ready'));
    await sleep(SETTLE_MS);
    readings.push(memKiB(b.proc.pid).rss);
    await stop(b.proc);
  }
  return median(readings);
}

const acc = process.env.MEMORY_ONLY ? undefined : await accuracy();
const none = await memory(0, 'jobs');
const many = await memory(JOBS, 'jobs');
const tasks = await memory(JOBS, 'tasks');
const row = (name, xs) => [name, fmt(percentile(xs, 50)), fmt(percentile(xs, 99)), fmt(Math.max(...xs)), fmt(Math.min(...xs))];
console.log(`node ${process.version}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs\n`);
if (acc) {
  console.log(`${RUNS} runs of an @every 1s job, ms after the due time\n`);
  console.log(table(['lag', 'p50', 'p99', 'max', 'min'], [row("berth's scheduler woke (lateMs)", acc.wokeLag), row('job.start logged (spawned)', acc.berthLag), row('the job: its process read the clock', acc.jobLag)]));
  console.log(`\nskipped runs: ${acc.skipped}\n`);
}
const vs = (x) => `${fmt(x / 1024)} (+${fmt((x - none) / 1024)})`;
console.log(table(['berth idle, one service', 'VmRSS MiB, median of 3 (vs none)'], [['no jobs', fmt(none / 1024)], [`${JOBS} jobs (cron schedules)`, vs(many)], [`${JOBS} tasks (skip: true), no jobs`, vs(tasks)]]));
