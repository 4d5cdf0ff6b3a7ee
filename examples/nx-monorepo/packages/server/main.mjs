// The app. Like an Nx workspace's server it only works from the monorepo root: started
// anywhere else it stops at once (in the incident it was started from the wrong
// directory, in the background, and silently never bound its port).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

const log = (level, msg, fields = {}) =>
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);

if (!existsSync('nx.json')) {
  log('error', `Could not find Nx modules at ${process.cwd()} (no nx.json): start the app from the monorepo root`);
  process.exit(1);
}

const { PGHOST, PGPORT, PGUSER, PGDATABASE, POSTGRES_PASSWORD = '' } = process.env;
const databaseUrl = `postgres://${PGUSER}:${encodeURIComponent(POSTGRES_PASSWORD)}@${PGHOST}:${PGPORT}/${PGDATABASE}`;
// apps do print their config at debug level; berth masks the secret in this line as ***
if (process.env.LOG_LEVEL === 'debug') log('debug', 'database connection', { url: databaseUrl });

// what the schema looks like to the app; a warning only, the app serves anyway
execFile('psql', ['-X', '-A', '-t', '-c', 'SELECT count(*) FROM schema_migrations'], { env: { ...process.env, PGPASSWORD: POSTGRES_PASSWORD }, timeout: 10_000 }, (err, stdout, stderr) => {
  if (err) log('warn', 'schema check failed: has the migrate task run?', { error: (stderr || err.message).trim() });
  else log('info', 'schema checked', { migrations: Number(stdout.trim()) });
});

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const server = createServer((req, res) => {
  if (req.url === '/health') return res.end('ok\n');
  res.setHeader('content-type', 'application/json');
  res.end(`${JSON.stringify({ hello: 'from the nx-monorepo example', pid: process.pid })}\n`);
});
server.listen(port, host, () => log('info', 'listening', { url: `http://${host}:${port}`, cwd: process.cwd() }));

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => {
    log('info', `${sig}: closing the server`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
