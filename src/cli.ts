// The only file that touches process.argv, process.env and process.exit.
import { onExit } from 'signal-exit';
import { HELP, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { liveChildren } from './children.js';
import type { EventLog, Plan } from './types.js';
import { VERSION } from './version.js';

type Env = Record<string, string | undefined>;
const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

async function main(argv: string[], env: Env): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  switch (args.verb) {
    case 'version':
      out(VERSION);
      return 0;
    case 'help':
      out(HELP);
      return 0;
    case 'schema': {
      const { configJsonSchema } = await import('./config/index.js');
      out(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    }
    case 'health': {
      const { checkHealth } = await import('./ready-file.js');
      const { defaultReadyFile } = await import('./plan.js');
      const file = args.options.readyFile ?? env.BERTH_READY_FILE ?? defaultReadyFile(process.getuid?.() ?? 0);
      const r = checkHealth(file);
      (r.ok ? out : err)(`berth health: ${r.reason}`);
      return r.ok ? 0 : 1;
    }
  }
  const loaded = await loadPlan(args, env);
  if (typeof loaded === 'number') return loaded;
  const plan = loaded;
  if (args.verb === 'plan' || args.verb === 'check') return inspect(args, plan);
  return run(plan, env);
}

async function loadPlan(args: ParsedArgs, env: Env): Promise<Plan | number> {
  const cwd = process.cwd();
  const { buildPlan } = await import('./plan.js');
  const { ConfigError, UsageError: PlanUsageError } = await import('./config/errors.js');
  const { findConfigFile } = await import('./config/find.js');
  try {
    const file = findConfigFile({ explicit: args.options.config, env, cwd });
    // zod and yaml are most of berth's code: loaded only when there is a file to read
    const loaded = file ? (await import('./config/load.js')).loadConfig(file, env) : undefined;
    const o = args.options;
    const parseMapping = o.ready?.trim().startsWith('{') ? (await import('yaml')).parse : undefined;
    return buildPlan(loaded, {
      baseDir: cwd,
      env,
      cmdArgs: args.command,
      uid: process.getuid?.() ?? 0,
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      overrides: {
        readyFile: o.readyFile,
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
    if (e instanceof ConfigError) {
      if (args.options.json) out(JSON.stringify({ ok: false, problems: e.problems }, null, 2));
      err(e.format(cwd));
      return 78;
    }
    if (e instanceof PlanUsageError || e instanceof UsageError) return usage((e as Error).message);
    throw e;
  }
}

/** `berth check` and `berth plan`: preflight, never a spawn of a service */
async function inspect(args: ParsedArgs, plan: Plan): Promise<number> {
  const { preflight, preflightStatus } = await import('./preflight.js');
  const { planToJson, formatPlan } = await import('./plan.js');
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
      if (status === 0) out(`berth check: ok — ${checked.plan.tasks.length} task(s), ${n} service(s)${n ? `, start order ${checked.plan.services.map((s) => s.name).join(' → ')}` : ''}`);
      else err(`berth check: ${checked.problems.length} problem(s); berth would refuse to start (exit ${status})`);
    }
  }
  return args.verb === 'plan' && status === 78 ? 78 : status;
}

async function run(plan: Plan, env: Env): Promise<number> {
  const { createSink } = await import('./sink.js');
  const { createLogger, wantsColor } = await import('./log.js');
  const { createRelay } = await import('./relay.js');
  const sink = createSink();
  const color = wantsColor(env, sink.isTTY());
  const log = createLogger({ format: plan.log.format, level: plan.log.level, sink, color, secretValues: plan.secretValues });
  const relay = createRelay({ format: plan.log.format, sink, secretValues: plan.secretValues, color });
  const { supervise } = await import('./supervisor.js');
  const { loadPid1 } = await import('./reaper.js');
  const pid1 = await loadPid1(log);
  logLoaded(log, plan);
  const foreground = Boolean(process.stdin.isTTY) && plan.services.length === 1;
  const status = await supervise(plan, { log, relay, pid1, foreground });
  await log.flush(1_000);
  return status;
}

function logLoaded(log: EventLog, plan: Plan): void {
  log.info(
    'config.loaded',
    { file: plan.configFile ?? null, tasks: plan.tasks.map((t) => t.name), services: plan.services.map((s) => s.name), readyFile: plan.readyFile || null },
    plan.configFile ? `loaded ${plan.configFile}` : `no config file; running ${plan.services.map((s) => s.argv.join(' ')).join(', ')}`,
  );
}

function usage(message: string): number {
  err(`berth: ${message}`);
  return 64;
}

// If berth itself dies, its children must not be left behind.
onExit(() => {
  for (const pid of liveChildren()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`berth: internal error (a bug in berth, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(70);
  },
);
