// `cron:register:all` for this package: writes cron-jobs.json into the cron_jobs table.
// berth.yaml marks it optional: the app serves without its cron jobs, so a failure is
// logged and the container goes on (as Twenty's entrypoint did with "Continuing anyway").
import { existsSync, readFileSync } from 'node:fs';
import { literal, psql } from './psql.mjs';

if (!existsSync('cron-jobs.json')) {
  console.error(`register-jobs: no cron-jobs.json in ${process.cwd()}; run me from packages/server`);
  process.exit(2);
}
const jobs = JSON.parse(readFileSync('cron-jobs.json', 'utf8'));
const rows = jobs.map((j) => `(${literal(j.name)}, ${literal(j.schedule)})`).join(',\n  ');
const status = await psql(`
INSERT INTO cron_jobs (name, schedule) VALUES
  ${rows}
ON CONFLICT (name) DO UPDATE SET schedule = EXCLUDED.schedule, registered_at = now();
\\echo register-jobs: ${jobs.length} cron job(s) registered
`);
process.exit(status);
