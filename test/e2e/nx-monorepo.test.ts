// examples/nx-monorepo against a real PostgreSQL server: the Nx incident's container,
// run by berth. Migrations apply once, from packages/server; the app starts from the
// root, is ready only once it answers, logs through berth as JSON; the secret never shows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/berth.js';
import { findPostgres, startPostgres, type Postgres } from '../helpers/postgres.js';
import { childLines, EXAMPLE, exampleEnv, freePorts, httpGet, MIGRATIONS, SERVER, tracker, type Db } from '../fixtures/nx/example.js';
import { exitWithin } from '../helpers/exit.js';

const install = findPostgres();
const missing = 'missing' in install ? install.missing : undefined;
if (missing) console.warn(`skipping the nx-monorepo end-to-end tests: ${missing}`);

describe.skipIf(missing)(`examples/nx-monorepo with PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pg: Postgres;
  let t: ReturnType<typeof tempDir>;
  const berths = tracker();

  beforeAll(async () => {
    if ('missing' in install) return;
    t = tempDir('berth-nx-');
    pg = await startPostgres(install);
  }, 120_000);
  afterEach(() => berths.stopAll());
  afterAll(async () => {
    await berths.stopAll();
    await pg?.stop();
    t?.cleanup();
  });

  const newDb = async (): Promise<Db> => ({
    port: pg.port,
    user: pg.user,
    database: await pg.createDatabase('nx'),
    passwordFile: t.write(`password-${Date.now()}-${Math.random()}`, `${pg.password}\n`),
  });

  /** berth with the example's berth.yaml until ready, then SIGTERM: the whole run's output */
  async function runUntilReady(db: Db, extra: Record<string, string> = {}) {
    const ports = await freePorts();
    const b = berths.start(['-c', join(EXAMPLE, 'berth.yaml'), '--ready-file', join(t.dir, `ready-${db.database}`)], exampleEnv(db, ports, extra));
    await b.waitForEvent('ready', {}, 45_000);
    const app = await httpGet(`http://127.0.0.1:${ports.app}/`);
    const readyz = await httpGet(`http://127.0.0.1:${ports.health}/readyz`);
    // the app's schema check runs beside its start; its line ends the startup output
    await b.waitFor((l) => l.service === 'app' && /^schema check/.test(String(l.msg)), 20_000, "the app's schema check");
    b.kill('SIGTERM');
    const exit = await exitWithin(b, 30_000);
    return { b, exit, app, readyz, lines: b.lines, output: b.stdoutText() + b.stderr() };
  }

  const migrationRows = async (database: string) => (await pg.sql('SELECT version FROM schema_migrations ORDER BY version', database)).split('\n').filter(Boolean);

  it('migrates once, in packages/server, then serves from the monorepo root', { timeout: 120_000 }, async () => {
    const db = await newDb();
    const first = await runUntilReady(db);
    expect(first.exit).toEqual({ code: 0, signal: null });

    const migrate = first.b.events('task.start').find((e) => e.task === 'migrate');
    expect(migrate).toMatchObject({ cwd: SERVER, argv: ['node', 'scripts/migrate.mjs'] });
    expect(first.b.events('service.start')).toEqual([expect.objectContaining({ service: 'app', cwd: EXAMPLE })]);
    expect(childLines(first.lines, 'migrate').map((l) => l.msg)).toEqual(expect.arrayContaining(MIGRATIONS.map((f) => `applied ${f}`)));
    expect(await migrationRows(db.database)).toEqual(MIGRATIONS);
    expect(await pg.sql('SELECT name FROM cron_jobs ORDER BY name', db.database)).toBe('cleanup-sessions\nsend-digests');

    // tasks in order, then the app; ready only after the app answered its probe
    const order = first.lines.filter((l) => ['task.exit', 'service.start', 'service.ready', 'ready'].includes(String(l.event))).map((l) => `${l.event}:${l.task ?? l.service ?? ''}`);
    expect(order).toEqual(['task.exit:migrate', 'task.exit:register-jobs', 'service.start:app', 'service.ready:app', 'ready:']);
    expect(first.app.status).toBe(200);
    expect(JSON.parse(first.app.body)).toMatchObject({ hello: 'from the nx-monorepo example' });
    expect(first.readyz.status).toBe(200);

    // a second start finds every migration applied and applies none
    const appliedAt = await pg.sql('SELECT string_agg(applied_at::text, \',\' ORDER BY version) FROM schema_migrations', db.database);
    const second = await runUntilReady(db);
    expect(second.exit).toEqual({ code: 0, signal: null });
    expect(childLines(second.lines, 'migrate').filter((l) => /^applied /.test(String(l.msg)))).toEqual([]);
    expect(childLines(second.lines, 'migrate').map((l) => l.msg)).toContain(`migrate: ${MIGRATIONS.length} migration(s) in place`);
    expect(await pg.sql('SELECT string_agg(applied_at::text, \',\' ORDER BY version) FROM schema_migrations', db.database)).toBe(appliedAt);
  });

  it("relays the app's log lines as JSON with service and stream, keeping the app's own fields", { timeout: 120_000 }, async () => {
    const db = await newDb();
    const { lines, exit } = await runUntilReady(db);
    expect(exit.code).toBe(0);
    const app = childLines(lines, 'app');
    const listening = app.find((l) => l.msg === 'listening');
    expect(listening).toMatchObject({ service: 'app', stream: 'stdout', cwd: EXAMPLE });
    expect(String(listening!.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(app.find((l) => l.msg === 'schema checked')).toMatchObject({ stream: 'stdout', migrations: MIGRATIONS.length });
    expect(app.find((l) => l.msg === 'SIGTERM: closing the server')).toMatchObject({ stream: 'stdout' });
    // every line on stdout is JSON: berth's events and the children's lines alike
    expect(lines.filter((l) => 'raw' in l)).toEqual([]);
  });

  it('keeps the password from POSTGRES_PASSWORD_FILE out of every log line, masked as *** when the app prints it', { timeout: 120_000 }, async () => {
    const db = await newDb();
    const { lines, output, exit } = await runUntilReady(db, { LOG_LEVEL: 'debug' });
    expect(exit.code).toBe(0);
    // the password worked: psql connected with it for the migrations and the app
    expect(childLines(lines, 'app').find((l) => l.msg === 'schema checked')).toBeDefined();
    const printed = childLines(lines, 'app').find((l) => l.msg === 'database connection');
    expect(printed?.url).toBe(`postgres://${db.user}:***@127.0.0.1:${db.port}/${db.database}`);
    expect(output).not.toContain(pg.password);
  });

  it('DISABLE_DB_MIGRATIONS skips the migrations; the optional job registration then fails and the app starts anyway', { timeout: 120_000 }, async () => {
    const db = await newDb();
    const { b, lines, exit, readyz } = await runUntilReady(db, { DISABLE_DB_MIGRATIONS: 'true' });
    expect(exit.code).toBe(0);
    expect(b.events('task.skip')).toEqual([expect.objectContaining({ task: 'migrate' })]);
    expect(b.events('task.start').map((e) => e.task)).toEqual(['register-jobs']);
    expect(b.events('task.failed')).toEqual([expect.objectContaining({ task: 'register-jobs', optional: true })]);
    expect(childLines(lines, 'register-jobs').some((l) => l.stream === 'stderr' && /relation "cron_jobs" does not exist/.test(String(l.msg)))).toBe(true);
    expect(readyz.status).toBe(200);
    // the app says what it saw, on its stderr
    expect(childLines(lines, 'app').find((l) => /^schema check failed/.test(String(l.msg)))).toMatchObject({ stream: 'stderr', level: 'warn' });
    expect(await pg.sql("SELECT to_regclass('schema_migrations') IS NULL", db.database)).toBe('t');
  });
});
