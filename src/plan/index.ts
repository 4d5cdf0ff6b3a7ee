// Layer plan: config + command line → the Plan every other part runs from. Pure but for one
// lookup: reads no file except the PATH directories where the php-fpm preset's program is
// found (os/path-search.ts; tests replace it), starts nothing. May import config,
// os/path-search, readiness/probes/describe (text only), output (masking), control (socket
// path), types and errors.
// Config + command line → the Plan every other part runs from: it reads no file (the config
// module did) but that PATH lookup, starts nothing; the same inputs give the same plan.
import path from 'node:path';
import type { Env, Plan } from '../types.js';
import type { LoadedConfig } from '../config/load.js';
import type { Resource } from '../config/values.js';
import { UsageError } from '../errors.js';
import { DEFAULTS, defaultReadyFile } from './defaults.js';
import { defaultControlSocket } from '../control/socket-path.js';
import { parseEnvSettings, parseOverrides, type PlanOverrides } from './overrides.js';
import { planTasks } from './tasks.js';
import { planServices } from './services.js';
import { planJobs } from './jobs.js';
import { orderServices } from '../config/order.js';
import type { FindProgram } from './preset-command.js';
import type { PlanContext } from './process.js';

export { orderServices, type Locate } from '../config/order.js';
export { shellWarnings } from './shell-warnings.js';
export { planToJson, maskSecrets, type PlanJson } from './json.js';
export { formatPlan } from './format.js';
export { dependencyLevels, levelsText } from './levels.js';
export { DEFAULTS, defaultReadyFile } from './defaults.js';
export { findPhpFpm, type FindProgram } from './preset-command.js';
export type { PlanOverrides } from './overrides.js';
export { ConfigError } from '../config/errors.js';
export { UsageError } from '../errors.js';

export interface PlanOptions {
  baseDir: string; // berth's working directory: relative paths without a config file, flags, a process's default cwd
  env: Env; // berth's own environment
  cmdArgs?: string[]; // the command after berth's options (Docker's CMD)
  overrides?: PlanOverrides; // from flags, as written
  uid?: number; // for the default ready file; berth's own uid when absent
  stdoutIsTTY?: boolean; // log.format defaults to pretty on a TTY, json otherwise
  findPhpFpm?: FindProgram; // tests replace the PATH search
}

/** The form wait-on takes: tcp:host:port, socket:/path, file:/path, http(s)://… */
function waitOnResource(r: Resource, dir: string): string {
  if (r.kind === 'tcp') return `tcp:${r.host}:${r.port}`;
  if (r.kind === 'unix') return `socket:${path.resolve(dir, r.path)}`;
  if (r.kind === 'file') return `file:${path.resolve(dir, r.path)}`;
  return r.url;
}

/** BERTH_TERMINATION_LOG (a path or "false") beats the file, as BERTH_READY_FILE does. */
function terminationLogOf(fromEnv: string | undefined, written: string | false | undefined, dir: string, cwd: string): string | false {
  if (fromEnv !== undefined && fromEnv.trim() !== '') return ['false', '0', 'no', 'off'].includes(fromEnv.trim().toLowerCase()) ? false : path.resolve(cwd, fromEnv);
  if (written === false) return false;
  return written === undefined ? DEFAULTS.terminationLog : path.resolve(dir, written);
}

/** Throws ConfigError (78) for what the config got wrong, UsageError (64) for the command line. */
export function buildPlan(loaded: LoadedConfig | undefined, options: PlanOptions): Plan {
  const cwd = options.baseDir;
  const flags = parseOverrides(options.overrides ?? {}, cwd);
  const fromEnv = parseEnvSettings(options.env, cwd, flags);
  if (loaded === undefined && !options.cmdArgs?.length) {
    throw new UsageError('nothing to run: give a command (berth yarn start) or a config file (./berth.yaml, or -c FILE)');
  }
  const config = loaded?.config;
  const dir = loaded?.dir ?? cwd;
  const ctx: PlanContext = { loaded, cwd, dir, env: options.env };
  const tasks = planTasks(ctx);
  const services = orderServices(
    planServices(ctx, { cmdArgs: options.cmdArgs, flags, written: options.overrides ?? {}, findPhpFpm: options.findPhpFpm }),
    loaded?.where,
  );
  const written = config?.readyFile;
  const fileReady = typeof written === 'string' ? path.resolve(dir, written) : written;
  const fileControl = typeof config?.control === 'string' ? path.resolve(dir, config.control) : config?.control;
  const plan: Plan = {
    baseDir: dir,
    readyFile: flags.readyFile ?? fromEnv.readyFile ?? fileReady ?? defaultReadyFile(options.uid ?? process.getuid?.() ?? 0),
    control: flags.control ?? fromEnv.control ?? fileControl ?? defaultControlSocket(options.uid ?? process.getuid?.() ?? 0),
    shutdownTimeoutMs: config?.shutdownTimeout ?? DEFAULTS.shutdownTimeoutMs,
    drainMs: config?.drain ?? DEFAULTS.drainMs,
    terminationLog: terminationLogOf(options.env.BERTH_TERMINATION_LOG, config?.terminationLog, dir, cwd),
    log: {
      format: flags.logFormat ?? fromEnv.logFormat ?? config?.log?.format ?? (options.stdoutIsTTY ? 'pretty' : 'json'),
      level: flags.logLevel ?? fromEnv.logLevel ?? config?.log?.level ?? DEFAULTS.logLevel,
      stallTimeoutMs: config?.log?.stallTimeout ?? DEFAULTS.logStallTimeoutMs,
    },
    waitFor: [...(config?.waitFor ?? []).map((r) => waitOnResource(r, dir)), ...flags.waitFor.map((r) => waitOnResource(r, cwd))],
    waitTimeoutMs: config?.waitTimeout ?? DEFAULTS.waitTimeoutMs,
    tasks,
    services,
    secretValues: [...new Set((loaded?.secrets ?? []).map((s) => s.value).filter((v) => v !== ''))],
  };
  if (loaded) plan.configFile = loaded.file;
  if (config?.health) plan.health = config.health.listen;
  const jobs = planJobs(ctx);
  if (jobs) plan.jobs = jobs;
  return plan;
}
