// `migration:run` for this package: applies migrations/*.sql in name order, each once,
// recorded in schema_migrations, each in its own transaction. Like an Nx project's
// migrations it only works from its own package directory, so it refuses anywhere else.
// Several replicas may run it at once: an advisory lock makes the others wait, then skip.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { literal, psql } from './psql.mjs';

const PACKAGE = '@nx-example/server';
const LOCK_ID = 4_212_001; // any constant shared by every replica of this app

const here = process.cwd();
const pkg = existsSync('package.json') ? JSON.parse(readFileSync('package.json', 'utf8')) : {};
if (pkg.name !== PACKAGE || !existsSync('migrations')) {
  const why = pkg.name === PACKAGE ? 'has no migrations/' : pkg.name ? `is the package ${pkg.name}` : 'has no package.json';
  console.error(`migrate: run me from the ${PACKAGE} package directory (packages/server): ${here} ${why}`);
  process.exit(2);
}

const files = readdirSync('migrations').filter((f) => /^[\w.-]+\.sql$/.test(f)).sort();
console.log(`migrate: ${files.length} migration file(s) in ${resolve('migrations')}, database ${process.env.PGDATABASE} on ${process.env.PGHOST}:${process.env.PGPORT}`);

const steps = files.map((f) => `
SELECT NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ${literal(f)}) AS pending \\gset
\\if :pending
BEGIN;
\\i migrations/${f}
INSERT INTO schema_migrations (version) VALUES (${literal(f)});
COMMIT;
\\echo applied ${f}
\\endif`);

const status = await psql(`
SET client_min_messages = warning;
SELECT pg_advisory_lock(${LOCK_ID}) AS locked \\gset
CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
${steps.join('\n')}
SELECT count(*) AS total FROM schema_migrations \\gset
\\echo migrate: :total migration(s) in place
`);
if (status !== 0) console.error(`migrate: psql failed with status ${status}; the failed migration was rolled back`);
process.exit(status);
