// A file-based stand-in for `yarn command:prod cron:register:all`: optional in berth.yaml,
// so a failure here is logged and the app starts anyway.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const jobs = [
  { name: 'cleanup-sessions', schedule: '*/15 * * * *' },
  { name: 'send-digests', schedule: '0 7 * * *' },
];
const dataDir = process.env.DEMO_DATA ?? '/tmp/berth-demo';
mkdirSync(dataDir, { recursive: true });
writeFileSync(join(dataDir, 'cron-jobs.json'), JSON.stringify(jobs));
console.log(`${jobs.length} cron job(s) registered`);
