// A real, throwaway PostgreSQL server for end-to-end tests: initdb + pg_ctl from
// /usr/lib/postgresql/<newest>/bin, in a temp dir, on a unix socket there and a free
// loopback port, with a password role for the code under test. As root the server
// runs as the `postgres` OS user: PostgreSQL refuses to run as root.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

const PG_ROOT = '/usr/lib/postgresql';

export interface PgInstall {
  /** the bin dir holding initdb, pg_ctl and postgres */
  bin: string;
  /** psql, found on PATH (the client the examples use) */
  psql: string;
}

/** The newest installed server with its client, or why there is none (for a skip message). */
export function findPostgres(): PgInstall | { missing: string } {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  const bin = versions.map((v) => join(PG_ROOT, v, 'bin')).find((b) => ['initdb', 'pg_ctl', 'postgres'].every((f) => existsSync(join(b, f))));
  if (!bin) return { missing: `PostgreSQL is not installed (no ${PG_ROOT}/*/bin/initdb); install the Debian package "postgresql" to run these tests` };
  const psql = whichSync('psql');
  if (!psql) return { missing: 'the PostgreSQL client psql is not on PATH; install the Debian package "postgresql-client"' };
  return { bin, psql };
}

export interface Postgres {
  host: string;
  port: number;
  socketDir: string;
  /** the role the code under test uses, with a password */
  user: string;
  password: string;
  /** runs SQL as the superuser over the unix socket; resolves with psql's unaligned output */
  sql(query: string, database?: string): Promise<string>;
  /** a fresh database owned by `user`, so tests do not share state */
  createDatabase(prefix?: string): Promise<string>;
  /** the server's own log, for a failure message */
  logTail(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  user?: string;
  /** default: random, so a test can search every log line for it */
  password?: string;
  timeoutMs?: number;
}

/** Starts a server; every step waits for its own completion (pg_ctl -w), never a sleep. */
export async function startPostgres(install: PgInstall, opts: StartOptions = {}): Promise<Postgres> {
  const runAs = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'berth-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  mkdirSync(socketDir);
  writeFileSync(logFile, '');
  if (runAs) for (const p of [dir, socketDir, logFile]) chownSync(p, runAs.uid, runAs.gid);
  const user = opts.user ?? 'app';
  const password = opts.password ?? `pw-${randomBytes(12).toString('hex')}`;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const asServer: SpawnOptions = { cwd: dir, env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' }, ...(runAs && { uid: runAs.uid, gid: runAs.gid }) };
  const pgCtl = join(install.bin, 'pg_ctl');

  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      process.off('exit', stopSync);
      await run(pgCtl, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'], asServer, 40_000).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // if the test process dies before afterAll, the server must not outlive it
  const stopSync = () => spawnSync(pgCtl, ['-D', data, '-m', 'immediate', 'stop'], { ...asServer, stdio: 'ignore', timeout: 10_000 });

  try {
    await run(join(install.bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], asServer, timeoutMs);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${socketDir}`, '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=40'];
      const r = await run(pgCtl, ['-D', data, '-l', logFile, '-o', settings.join(' '), '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'start'], asServer, timeoutMs + 5000).then(
        () => undefined,
        (e: Error) => e,
      );
      if (!r) break;
      // another process took the port between freePort() and the bind: try another one
      if (attempt < 3 && /could not bind|Address already in use/.test(readFileSync(logFile, 'utf8'))) continue;
      throw new Error(`${r.message}\nserver log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    started = true;
    process.on('exit', stopSync);

    const sql = (query: string, database = 'postgres') =>
      run(install.psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-c', query], { env: { PATH: process.env.PATH } }, 20_000);
    await sql(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    let n = 0;
    return {
      host: '127.0.0.1',
      port,
      socketDir,
      user,
      password,
      sql,
      async createDatabase(prefix = 'db') {
        const name = `${prefix}_${process.pid}_${++n}`;
        await sql(`CREATE DATABASE ${name} OWNER ${user}`);
        return name;
      },
      logTail: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : ''),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no "postgres" user to run the server as (PostgreSQL refuses to run as root)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function whichSync(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(d, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Runs a command to its end; rejects with its output when it fails or outlives timeoutMs. */
function run(cmd: string, args: string[], opts: SpawnOptions, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `code ${code}`}):\n${err}${out}`));
    });
  });
}
