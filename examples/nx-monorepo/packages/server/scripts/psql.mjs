// Runs a psql script against the database named by PGHOST, PGPORT, PGUSER and PGDATABASE,
// with the password berth hands over as POSTGRES_PASSWORD (read from POSTGRES_PASSWORD_FILE).
// psql writes straight to our stdout and stderr, which berth turns into log lines.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Resolves with psql's exit status: 0 ok, 1 fatal, 2 no connection, 3 an error in the script. */
export function psql(script, args = []) {
  const env = { ...process.env, PGPASSWORD: process.env.POSTGRES_PASSWORD ?? '', PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10' };
  delete env.POSTGRES_PASSWORD;
  return new Promise((resolve) => {
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args, '-f', '-'], { env, stdio: ['pipe', 'inherit', 'inherit'] });
    child.once('error', (e) => {
      console.error(`cannot run psql: ${e.message}`);
      resolve(127);
    });
    child.once('close', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
    child.stdin.on('error', () => {}); // psql gone early: its status says why
    child.stdin.end(script);
  });
}

/** A SQL string literal. */
export const literal = (s) => `'${String(s).replaceAll("'", "''")}'`;
