// The verbs that read a config: plan, check and run. Imported in one piece, so a run
// loads a few module files, not a dozen (the ESM loader pays per file).
import path from 'node:path';
import { buildPlan, formatPlan, levelsText, planToJson } from '../plan/index.js';
import { ConfigError } from '../config/errors.js';
import { findConfigFile } from '../config/find.js';
import type { ParsedArgs } from './args.js';
import { preflight, preflightStatus } from '../preflight/index.js';
import { createSink, type Sink } from '../output/sink/index.js';
import { createLogger, wantsColor } from '../output/log.js';
import { createRelay } from '../output/relay/index.js';
import { maskQuoted } from '../output/relay/mask.js';
import { presetLevelOf } from '../presets/log-levels.js';
import { dropConfigTests } from '../presets/index.js';
import { startConfigTestsEarly } from './early-tests.js';
import { supervise } from '../lifecycle/supervisor.js';
import { loadPid1 } from '../pid1/reaper.js';
import type { Env, EventLog, Plan } from '../types.js';
import { EXIT, UsageError } from '../errors.js';
import type { Launcher } from '../process/child.js';

/** what cli.ts hands over of the process */
export interface Io {
  cwd: string;
  uid: number;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** how to start a service that gets the terminal (berth's hidden verb) */
  launcher: Launcher;
  out(s: string): void;
  err(s: string): void;
  /** to stderr at once, or not at all: never waits on a stuck reader */
  errNow(s: string): void;
}

/**
 * The config read and planned. With `early` (a start, `berth check`, `berth plan`), php-fpm's
 * config test starts as soon as the YAML is read, for the preflight to take (cli/early-tests.ts).
 */
export async function loadPlan(args: ParsedArgs, env: Env, io: Io, { early = false } = {}): Promise<Plan | number> {
  const { cwd, out, err } = io;
  let secrets: string[] = [];
  try {
    const file = findConfigFile({ explicit: args.options.config, env, cwd });
    const dir = file && path.dirname(path.resolve(cwd, file));
    const onSource = early && dir && args.command.length === 0 && args.options.cwd === undefined ? (raw: unknown) => startConfigTestsEarly(raw, { cwd, dir, env }) : undefined;
    // zod and yaml are most of berth's code: loaded only when there is a file to read
    const loaded = file ? (await import('../config/load.js')).loadConfig(file, env, { onSource }) : undefined;
    secrets = loaded?.secrets.map((s) => s.value) ?? [];
    const o = args.options;
    const parseMapping = o.ready?.trim().startsWith('{') ? yamlParse(await import('yaml')) : undefined;
    return buildPlan(loaded, {
      baseDir: cwd,
      env,
      cmdArgs: args.command,
      uid: io.uid,
      stdoutIsTTY: io.stdoutIsTTY,
      overrides: {
        readyFile: o.readyFile,
        control: o.control,
        readyProbe: o.ready,
        readyTimeout: o.readyTimeout,
        waitFor: o.waitFor,
        cwd: o.cwd,
        stopSignal: o.stopSignal,
        stopTimeout: o.stopTimeout,
        logFormat: o.logFormat,
        logLevel: o.logLevel,
        parseMapping,
      },
    });
  } catch (e) {
    await dropConfigTests(); // started for a config that is refused
    if (e instanceof ConfigError) {
      // the plan's own checks may quote a value a secret was interpolated into, cut short
      const masked = secrets.length === 0 ? e : new ConfigError(e.problems.map((p) => ({ ...p, message: maskQuoted(p.message, secrets) })));
      if (args.options.json) out(JSON.stringify({ ok: false, problems: masked.problems }, null, 2));
      err(masked.format(cwd));
      return EXIT.CONFIG;
    }
    if (e instanceof UsageError) return usage(e.message, err);
    throw e;
  }
}

/** `berth check` and `berth plan`: preflight, never a spawn of a service */
export async function inspect(args: ParsedArgs, plan: Plan, io: Io): Promise<number> {
  const { out, err } = io;
  const checked = await preflight(plan);
  const status = checked.problems.length ? preflightStatus(checked.problems) : 0;
  if (args.options.json) {
    const body = { ok: status === 0, problems: checked.problems, warnings: checked.warnings, ...(args.verb === 'plan' ? { plan: planToJson(checked.plan) } : {}) };
    out(JSON.stringify(body, null, 2));
  } else {
    if (args.verb === 'plan') out(formatPlan(checked.plan));
    for (const w of checked.warnings) err(`warning: ${w.name}: ${w.message}`);
    for (const p of checked.problems) err(`error: ${p.name}: ${p.message}`);
    if (args.verb === 'check') {
      const n = checked.plan.services.length;
      if (status === 0) out(`berth check: ok — ${checked.plan.tasks.length} task(s), ${n} service(s)${checked.plan.jobs ? `, ${checked.plan.jobs.length} job(s)` : ''}${n ? `; start: ${levelsText(checked.plan.services)}` : ''}`);
      else err(`berth check: ${checked.problems.length} problem(s); berth would refuse to start (exit ${status})`);
    }
  }
  return args.verb === 'plan' && status === EXIT.CONFIG ? EXIT.CONFIG : status;
}

/** `berth ctl reload`: the plan built again as at start, or what is wrong with the file now */
export async function rereadPlan(args: ParsedArgs, env: Env, io: Io): Promise<Plan | { problems: string[] }> {
  const problems: string[] = [];
  const quiet: Io = { ...io, out: () => {}, err: (s) => problems.push(...s.split('\n').filter((l) => l.trim() !== '')) };
  const plan = await loadPlan({ ...args, options: { ...args.options, json: false } }, env, quiet);
  return typeof plan === 'number' ? { problems } : plan;
}

export async function run(plan: Plan, env: Env, io: Io, reread?: () => Promise<Plan | { problems: string[] }>): Promise<number> {
  const sink = createSink();
  const color = wantsColor(env, sink.isTTY());
  const log = createLogger({ format: plan.log.format, level: plan.log.level, sink, color, secretValues: plan.secretValues });
  const presets = new Map(plan.services.map((s) => [s.name, s.preset]));
  // what `berth ctl logs` can show: the last 1,000 lines or 1 MiB of each service
  const relay = createRelay({ format: plan.log.format, sink, secretValues: plan.secretValues, color, levelOf: (name) => presetLevelOf(presets.get(name)), ringSize: LOG_RING.lines, ringChars: LOG_RING.chars, stallMs: plan.log.stallTimeoutMs });
  // reading each orphan's command for its `reaped` line doubles the cost of reaping it
  const pid1 = loadPid1(log, { commands: plan.log.level === 'debug' || plan.log.level === 'trace' });
  logLoaded(log, plan);
  const foreground = io.stdinIsTTY && plan.services.length === 1 && (plan.services[0]!.replicas ?? 1) === 1 ? io.launcher : undefined; // one process: replicas would fight over the terminal
  const status = await supervise(plan, { log, relay, pid1, foreground, reread });
  await dropConfigTests(); // none is left once the preflight ran; this is for a start refused before it
  // no line berth accepted is lost, however slow the reader; a stuck one is named, with what it cost
  if (!(await sink.drain(plan.log.stallTimeoutMs))) reportDropped(sink, plan.log.stallTimeoutMs, io);
  return status;
}

const LOG_RING = { lines: 1000, chars: 1 << 20 };

function reportDropped(sink: Sink, stallMs: number, io: Io): void {
  const { buffered } = sink.stats();
  for (const to of ['stdout', 'stderr'] as const) {
    if (buffered[to] === 0) continue;
    // straight to fd 2, never waiting: it may be the same stuck pipe
    io.errNow(`berth: ${to} took nothing for ${stallMs} ms; exiting without the last ${buffered[to]} bytes of log (log.stallTimeout)`);
  }
}

function logLoaded(log: EventLog, plan: Plan): void {
  log.info(
    'config.loaded',
    { file: plan.configFile ?? null, tasks: plan.tasks.map((t) => t.name), services: plan.services.map((s) => s.name), readyFile: plan.readyFile || null },
    plan.configFile ? `loaded ${plan.configFile}` : `no config file; running ${plan.services.map((s) => s.argv.join(' ')).join(', ')}`,
  );
}

/** yaml is CommonJS: bundled, its namespace may hold only `default` */
function yamlParse(mod: typeof import('yaml') & { default?: typeof import('yaml') }): (text: string) => unknown {
  return mod.parse ?? mod.default!.parse;
}

export function usage(message: string, err: (s: string) => void): number {
  err(`berth: ${message}`);
  return EXIT.USAGE;
}
