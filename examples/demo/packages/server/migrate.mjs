// A file-based stand-in for `yarn typeorm migration:run`: it must run in its own package.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (!existsSync('migrations') || !existsSync('package.json')) {
  console.error(`migrate: no migrations/ in ${process.cwd()}; run me in packages/server`);
  process.exit(2);
}
const dataDir = process.env.DEMO_DATA ?? '/tmp/berth-demo';
mkdirSync(dataDir, { recursive: true });
const stateFile = join(dataDir, 'migrations.json');
const applied = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : [];
for (const file of readdirSync('migrations').sort()) {
  if (applied.includes(file)) continue;
  readFileSync(join('migrations', file), 'utf8');
  applied.push(file);
  console.log(JSON.stringify({ msg: `applied ${file}`, migration: file }));
}
writeFileSync(stateFile, JSON.stringify(applied));
console.log(`${applied.length} migration(s) in place`);
