// Which cron library jobs use: croner or cron-parser, side by side on what matters to
// berth — bundled size, what a require() costs a start, and the run times each gives
// across the DST changes of 2026 in Europe/Berlin and America/New_York.
// Needs both installed: npm install --no-save croner cron-parser
//   flock /work/wt/bench.lock node bench/cron-libs.mjs
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const RUNS = Number(process.env.RUNS ?? 30);
const out = mkdtempSync(join(tmpdir(), 'cron-libs-'));

const libs = {
  croner: {
    pkg: 'croner',
    next(expr, tz, fromMs, n) {
      const { Cron } = require('croner');
      return new Cron(expr, { timezone: tz, mode: '5-part' }).nextRuns(n, new Date(fromMs)).map((d) => d.getTime());
    },
  },
  'cron-parser': {
    pkg: 'cron-parser',
    next(expr, tz, fromMs, n) {
      const { CronExpressionParser } = require('cron-parser');
      const it = CronExpressionParser.parse(expr, { tz, currentDate: new Date(fromMs) });
      return Array.from({ length: n }, () => it.next().getTime());
    },
  },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bundle(pkg) {
  const file = join(out, `${pkg}.js`);
  await build({ stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: root }, bundle: true, platform: 'node', format: 'cjs', minify: true, outfile: file, logLevel: 'silent' });
  return file;
}

/** ms a fresh node spends in require(file), median of RUNS starts */
function requireCost(file) {
  const src = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});const ms=Number(process.hrtime.bigint()-t)/1e6;process.stdout.write(String(ms))`;
  const ms = [];
  for (let i = 0; i < RUNS; i++) ms.push(Number(spawnSync(process.execPath, ['-e', src], { encoding: 'utf8' }).stdout));
  return median(ms);
}

// Expected run times, written by hand from the calendar (local wall time, offset):
// a slot that falls in the hour skipped in spring runs once, at the first instant after
// the jump (as Vixie cron and cronie do); a slot that happens twice in autumn runs once; hourly and */15 schedules keep
// real-time spacing through both changes.
const cases = [
  { tz: 'Europe/Berlin', expr: '30 2 * * *', from: '2026-03-28T12:00:00Z', want: ['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z'], why: '02:30 does not exist on 29 March: once, at 03:00 CEST' },
  { tz: 'Europe/Berlin', expr: '30 2 * * *', from: '2026-10-24T12:00:00Z', want: ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'], why: '02:30 happens twice on 25 October: once' },
  { tz: 'Europe/Berlin', expr: '0 * * * *', from: '2026-10-24T23:30:00Z', want: ['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z', '2026-10-25T03:00:00Z'], why: 'hourly through the repeated hour: every real hour' },
  { tz: 'Europe/Berlin', expr: '0 * * * *', from: '2026-03-28T23:30:00Z', want: ['2026-03-29T00:00:00Z', '2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z'], why: 'hourly through the skipped hour' },
  { tz: 'America/New_York', expr: '30 2 * * *', from: '2026-03-07T12:00:00Z', want: ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z'], why: '02:30 does not exist on 8 March: once, at 03:00 EDT' },
  { tz: 'America/New_York', expr: '30 1 * * *', from: '2026-10-31T12:00:00Z', want: ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'], why: '01:30 happens twice on 1 November: once' },
  { tz: 'America/New_York', expr: '*/30 * * * *', from: '2026-11-01T05:10:00Z', want: ['2026-11-01T05:30:00Z', '2026-11-01T06:00:00Z', '2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'], why: '*/30 through the repeated hour: every 30 real minutes' },
  { tz: 'Europe/Berlin', expr: '*/15 * * * *', from: '2026-03-29T00:40:00Z', want: ['2026-03-29T00:45:00Z', '2026-03-29T01:00:00Z', '2026-03-29T01:15:00Z'], why: '*/15 through the skipped hour: every 15 real minutes' },
  { tz: 'America/New_York', expr: '0 0 * * 0', from: '2026-10-31T12:00:00Z', want: ['2026-11-01T04:00:00Z', '2026-11-08T05:00:00Z'], why: 'weekly at midnight across the change' },
];

const rows = [];
for (const [name, lib] of Object.entries(libs)) {
  const file = await bundle(lib.pkg);
  const t0 = process.hrtime.bigint();
  let right = 0;
  const wrong = [];
  for (const c of cases) {
    let got;
    try {
      got = lib.next(c.expr, c.tz, Date.parse(c.from), c.want.length).map((ms) => new Date(ms).toISOString().replace('.000', ''));
    } catch (e) {
      got = [`threw ${e.message}`];
    }
    if (JSON.stringify(got) === JSON.stringify(c.want)) right++;
    else wrong.push(`${c.tz} "${c.expr}" (${c.why}): got ${got.join(', ')}`);
  }
  const evalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  rows.push({ name, bundleKiB: (statSync(file).size / 1024).toFixed(1), requireMs: requireCost(file).toFixed(2), dst: `${right}/${cases.length}`, wrong, evalMs: evalMs.toFixed(1) });
}
const base = median(Array.from({ length: RUNS }, () => Number(spawnSync(process.execPath, ['-e', 'const t=process.hrtime.bigint();const ms=Number(process.hrtime.bigint()-t)/1e6;process.stdout.write(String(ms))'], { encoding: 'utf8' }).stdout)));
rmSync(out, { recursive: true, force: true });
console.log(`node ${process.version}, ${RUNS} starts each, require() of the minified bundle (empty: ${base.toFixed(2)} ms)`);
for (const r of rows) {
  console.log(`${r.name.padEnd(12)} bundle ${r.bundleKiB.padStart(6)} KiB  require ${r.requireMs.padStart(6)} ms  DST cases right ${r.dst}`);
  for (const w of r.wrong) console.log(`    wrong: ${w}`);
}
