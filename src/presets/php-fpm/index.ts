// The php-fpm preset's look at its configuration: `php-fpm -tt` with the service's own
// options validates it and says what each pool listens on; berth's own reading of the same
// files says which file and line set it. -tt is the truth for the value, berth's for the origin.
import { dirname, resolve } from 'node:path';
import type { ServicePlan } from '../../types.js';
import { findOnPath } from '../../os/path-search.js';
import { captureCommand } from '../../process/capture.js';
import { runConfigTest, type Runner } from '../config-test.js';
import type { TestInvocation } from '../early.js';
import { readFpmArgs, type FpmArgs } from '../command-args.js';
import { formatEndpoint, parseFpmListen, type Endpoint } from '../endpoint.js';
import { fpmSeconds, parseFpmConfig, poolPrefix, winning, type FpmConfig, type FpmPool } from './config.js';
import { dumped, fpmErrors, fpmWarnings, parseFpmDump, type FpmDump } from './dump.js';
import { configDigest } from '../digest.js';
import { showCommand, type PresetProblem, type PresetWarning, type Source } from '../findings.js';

/** One pool's effective listen address, and the rest of what berth checks about it. */
export interface FpmListen {
  pool: string;
  value: string;
  endpoint: Endpoint;
  /** undefined when berth's reading disagrees with php-fpm's, or found no file */
  origin?: { at: Source; overridden: Source[] };
  owner?: string;
  group?: string;
  mode?: string;
  pingPath?: string;
  pingResponse?: string;
  statusPath?: string;
  /** listen.acl_users / listen.acl_groups: POSIX ACLs instead of owner and mode */
  acl?: string;
}

/** A global setting: its effective value and, when known, who set it (undefined: the default). */
export interface FpmGlobal {
  value: string;
  at?: Source;
}

export interface FpmFacts {
  args: FpmArgs;
  /** php-fpm -tt ran and accepted the configuration: the values below are php-fpm's */
  tested: boolean;
  configFile?: string;
  /** undefined: -tt failed, could not run, or printed nothing berth can read */
  listens?: FpmListen[];
  daemonize: FpmGlobal;
  processControlTimeout: FpmGlobal;
}

export interface FpmInspection extends FpmFacts {
  problems: PresetProblem[];
  warnings: PresetWarning[];
  /** a digest of the configuration php-fpm -tt printed: a reload restarts php-fpm when it changed */
  digest?: string;
}

const TIMEOUT_MS = 15_000;

export async function readPhpFpm(service: ServicePlan, opts: { signal?: AbortSignal; run?: Runner } = {}): Promise<FpmInspection> {
  const [cmd, ...rest] = service.argv;
  const args = readFpmArgs(rest);
  const out: FpmInspection = { args, tested: false, daemonize: { value: 'yes' }, processControlTimeout: { value: '0' }, problems: [], warnings: [] };
  // not found / not executable: preflight's command check already says so
  const invocation = fpmTestInvocation(service);
  if (!invocation) return out;
  const bin = invocation.argv[0]!;
  const runOpts = { cwd: service.cwd, env: service.env, timeoutMs: TIMEOUT_MS, signal: opts.signal };
  const test = await runConfigTest(invocation.argv, runOpts, opts.run);
  if (test.spawnError) return out;
  const command = showCommand([cmd!, ...args.testArgs]);
  if (test.exitCode !== 0) {
    const why = fpmErrors(test.stderr);
    const detail = why.length > 0 ? why.join('; ') : (test.stderr.trim() || `exit ${test.exitCode ?? test.signal}`);
    out.problems.push({ service: service.name, path: `services.${service.name}.command`, message: `php-fpm rejects its configuration: ${detail} (${command})` });
    return out;
  }
  out.tested = true;
  out.digest = configDigest(test.stderr.replace(/^\[[^\]\n]*\] /gm, '')); // without -tt's timestamps
  for (const w of fpmWarnings(test.stderr)) out.warnings.push({ service: service.name, message: `php-fpm warns: ${w}` });
  const dump = parseFpmDump(test.stderr);
  const configFile = dump.configFile ?? args.config ?? (args.prefix !== undefined ? `${args.prefix}/etc/php-fpm.conf` : undefined);
  out.configFile = configFile && resolve(service.cwd, configFile);
  const read = (p: string) => (out.configFile ? parseFpmConfig(out.configFile, { prefix: p, env: service.env }) : undefined);
  // berth's reading needs php-fpm's compiled-in prefix only where the files use relative paths
  // (the official image's include=etc/php-fpm.d/*.conf). The binary's own install prefix
  // (/usr/local/sbin/php-fpm: /usr/local) is that prefix in the official images and in Debian's;
  // php-fpm -h, a second php-fpm start as costly as half of -tt, is asked only when the reading
  // with it does not give every pool the listen -tt printed.
  let prefix = resolve(service.cwd, args.prefix ?? dirname(dirname(bin)));
  let parsed = read(prefix);
  if (args.prefix === undefined && !readingAgrees(dump, parsed, prefix, service.cwd)) {
    const help = await (opts.run ?? captureCommand)([bin, '-h'], runOpts);
    const compiled = defaultPrefix(help.stdout);
    if (compiled !== undefined && resolve(service.cwd, compiled) !== prefix) {
      prefix = resolve(service.cwd, compiled);
      parsed = read(prefix);
    }
  }
  out.listens = collectListens(dump, parsed, prefix, service.cwd, (m) => out.warnings.push({ service: service.name, message: m }));
  if (out.listens === undefined) {
    out.warnings.push({ service: service.name, message: `berth cannot tell what php-fpm listens on: ${command} printed no configuration (is log_level above notice?); give the service a ready: probe` });
  }
  out.daemonize = globalSetting(dump, parsed, 'daemonize', 'yes', (v) => (v === '1' ? 'yes' : v === '' ? 'no' : v));
  out.processControlTimeout = globalSetting(dump, parsed, 'process_control_timeout', '0', (v) => String(fpmSeconds(v) ?? v));
  return out;
}

/** `php-fpm -tt` with the service's own options, as the preflight runs it; undefined when the binary is not on PATH. */
export function fpmTestInvocation(service: Pick<ServicePlan, 'argv' | 'cwd' | 'env'>): TestInvocation | undefined {
  const [cmd, ...rest] = service.argv;
  const bin = cmd === undefined ? undefined : findOnPath(cmd, service.env.PATH ?? '', service.cwd);
  return bin === undefined ? undefined : { argv: [bin, ...readFpmArgs(rest).testArgs], cwd: service.cwd, env: service.env, timeoutMs: TIMEOUT_MS };
}

/** php-fpm -h: "Specify alternative prefix path … (default: /usr)." */
function defaultPrefix(help: string): string | undefined {
  return /\(default: ([^)]+)\)/.exec(help)?.[1];
}

/** Does berth's reading find every pool php-fpm -tt printed, listening where -tt says? */
function readingAgrees(dump: FpmDump, parsed: FpmConfig | undefined, prefix: string, cwd: string): boolean {
  if (!parsed || dump.pools.size === 0) return false; // nothing to hold the reading against
  for (const [name, theirs] of dump.pools) {
    const mine = parsed.pools.find((p) => p.name.toLowerCase() === name.toLowerCase());
    const own = mine && ownListen(mine, prefix, cwd);
    const value = dumped(theirs, 'listen');
    if (!own || value === undefined) return false;
    const endpoint = absolute(parseFpmListen(value, poolPrefix(mine!, prefix)), cwd);
    if (!endpoint || formatEndpoint(own.endpoint) !== formatEndpoint(endpoint)) return false;
  }
  return true;
}

function globalSetting(dump: FpmDump, parsed: FpmConfig | undefined, key: string, fallback: string, norm: (v: string) => string): FpmGlobal {
  const mine = parsed && winning(parsed.global, key);
  const theirs = dumped(dump.global, key);
  if (theirs !== undefined) return { value: norm(theirs), ...(mine ? { at: mine.at } : {}) };
  return mine ? { value: norm(mine.value), at: mine.at } : { value: fallback };
}

function collectListens(dump: FpmDump, parsed: FpmConfig | undefined, prefix: string, cwd: string, warn: (m: string) => void): FpmListen[] | undefined {
  const names = dump.pools.size > 0 ? [...dump.pools.keys()] : (parsed?.pools.map((p) => p.name) ?? []);
  if (names.length === 0) return undefined;
  const listens: FpmListen[] = [];
  for (const name of names) {
    const theirs = dump.pools.get(name);
    const mine = parsed?.pools.find((p) => p.name.toLowerCase() === name.toLowerCase());
    const own = mine && ownListen(mine, prefix, cwd);
    const value = dumped(theirs, 'listen') ?? own?.value;
    if (value === undefined) continue;
    const endpoint = absolute(parseFpmListen(value, mine ? poolPrefix(mine, prefix) : prefix), cwd);
    if (!endpoint) continue;
    const agree = own !== undefined && formatEndpoint(own.endpoint) === formatEndpoint(endpoint);
    if (own && !agree) warn(`berth reads pool ${name}'s listen as ${own.value} (${own.at.file}:${own.at.line}) but php-fpm -tt says ${value}; trusting php-fpm`);
    const pick = (key: string) => dumped(theirs, key) ?? (mine && winning(mine.settings, key)?.value) ?? undefined;
    listens.push({
      pool: name,
      value,
      endpoint,
      ...(agree ? { origin: { at: own.at, overridden: own.overridden } } : {}),
      ...defined({ owner: pick('listen.owner'), group: pick('listen.group'), mode: pick('listen.mode') }),
      ...defined({ pingPath: pick('ping.path'), pingResponse: pick('ping.response'), statusPath: pick('pm.status_path') }),
      ...defined({ acl: pick('listen.acl_users') ?? pick('listen.acl_groups') }),
    });
  }
  return listens;
}

function ownListen(pool: FpmPool, prefix: string, cwd: string) {
  const w = winning(pool.settings, 'listen');
  const endpoint = w && absolute(parseFpmListen(w.value, poolPrefix(pool, prefix)), cwd);
  return w && endpoint ? { value: w.value, endpoint, at: w.at, overridden: w.overridden } : undefined;
}

function absolute(e: Endpoint | undefined, cwd: string): Endpoint | undefined {
  return e?.kind === 'unix' ? { kind: 'unix', path: resolve(cwd, e.path) } : e;
}

function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<Record<keyof T, string>>;
}
