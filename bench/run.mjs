#!/usr/bin/env node
// `npm run bench`: the benchmarks one after the other (never two at once: they measure
// side by side in one run, and a second one would share the CPU). Each prints its own
// table; docs/BENCHMARKS.md keeps the figures. Name some to run only those:
//   npm run bench -- startup readiness
// soak (10 minutes), cron-libs (needs two extra packages), first-200 (needs php8.2-fpm,
// nginx, supervisor and s6) and head-to-head (needs the php image) run only when named.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEFAULT = ['startup', 'readiness', 'signals', 'reap', 'relay-peers', 'memory', 'liveness', 'jobs'];
const ALL = new Set([...DEFAULT, 'relay', 'soak', 'cron-libs', 'first-200']);

const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !ALL.has(n));
if (unknown.length) {
  console.error(`bench/run.mjs: no bench named ${unknown.join(', ')}; there are ${[...ALL].join(', ')}`);
  process.exit(64);
}
let failed = 0;
for (const name of asked.length ? asked : DEFAULT) {
  console.log(`\n## ${name}\n`);
  const file = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/run.mjs: ${name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
