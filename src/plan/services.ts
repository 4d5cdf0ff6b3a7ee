// Services, with CONTRACT §1's command rules: the command after `berth` replaces the
// command of the `main: true` (or the only) service, or becomes a service of its own.
import path from 'node:path';
import type { ServicePlan } from '../types.js';
import type { ServiceConfig } from '../config/schema.js';
import { ConfigError, type Problem } from '../config/errors.js';
import { UsageError } from '../errors.js';
import { joinShellWords } from '../config/shell-words.js';
import { displayFile } from '../config/errors.js';
import { oneOf } from '../config/describe.js';
import { DEFAULTS } from './defaults.js';
import { FORWARDED_SIGNALS } from '../config/constants.js';
import { presetArgv, presetStopSignal, type FindProgram } from './preset-command.js';
import { nameFromProgram, processCwd, processPlan, resolveProbe, toArgv, type PlanContext } from './process.js';
import { planLiveness } from './liveness.js';
import { serviceFlags, type ParsedOverrides, type PlanOverrides } from './overrides.js';

export interface ServiceInputs {
  cmdArgs?: string[];
  flags: ParsedOverrides;
  written: PlanOverrides; // to name the flags in a usage error
  findPhpFpm?: FindProgram;
}

/** The service the command and the service flags apply to, if one can be told. */
function chooseMain(ctx: PlanContext, entries: [string, ServiceConfig][], inputs: ServiceInputs): string | undefined {
  const marked = entries.find(([, s]) => s.main === true)?.[0];
  const main = marked ?? (entries.length === 1 ? entries[0]![0] : undefined);
  if (main !== undefined) return main;
  const asked = [...(inputs.cmdArgs?.length ? [`a command (${joinShellWords(inputs.cmdArgs)})`] : []), ...serviceFlags(inputs.written)];
  if (asked.length === 0) return undefined;
  const file = ctx.loaded ? displayFile(ctx.loaded.file, ctx.cwd) : 'the config';
  const names = entries.map(([n]) => n);
  if (names.length === 0) throw new UsageError(`${oneOf(asked, 'and')} given, but there is no service to apply it to`);
  const has = `${file} has ${names.length} services (${oneOf(names, 'and')}) and none is marked main: true`;
  throw new UsageError(`${oneOf(asked, 'and')} given, but ${has}; mark the one it is for with main: true`);
}

function planService(ctx: PlanContext, name: string, s: ServiceConfig, main: boolean, inputs: ServiceInputs): ServicePlan | Problem | Problem[] {
  const keyPath = ['services', name];
  const services = ctx.loaded?.config.services;
  const written = services !== undefined && Object.hasOwn(services, name); // not the one made from the command
  const replaced = main && inputs.cmdArgs !== undefined && inputs.cmdArgs.length > 0;
  const shell = !replaced && s.shell === true; // the command after berth is an argv, as Docker's CMD
  const pathEnv = { ...ctx.env, ...ctx.loaded?.envFileVars, ...ctx.loaded?.config.env, ...s.env }.PATH; // the child's PATH
  const f = main ? inputs.flags : { waitFor: [] };
  const argv = replaced ? inputs.cmdArgs! : s.command !== undefined ? toArgv(s.command, shell) : s.preset ? presetArgv(s.preset, pathEnv, processCwd(ctx, f.cwd ?? s.cwd), inputs.findPhpFpm) : undefined;
  if (argv === undefined) {
    return { ...ctx.loaded?.where(keyPath), path: `services.${name}`, message: 'no command; give it a command, a preset, or pass the command after berth' };
  }
  const base = processPlan(ctx, { name, argv, shell, cwd: f.cwd ?? s.cwd, env: s.env, user: s.user, requires: s.requires, keyPath: written ? keyPath : undefined });
  const ready = f.ready ? resolveProbe(f.ready, ctx.cwd) : s.ready ? resolveProbe(s.ready, ctx.dir) : undefined;
  const plan: ServicePlan = {
    ...base,
    readyTimeoutMs: f.readyTimeoutMs ?? s.readyTimeout ?? DEFAULTS.readyTimeoutMs,
    stopSignal: f.stopSignal ?? s.stopSignal ?? (s.preset ? presetStopSignal(s.preset) : DEFAULTS.stopSignal),
    stopTimeoutMs: f.stopTimeoutMs ?? s.stopTimeout ?? DEFAULTS.stopTimeoutMs,
    restart: s.restart ?? DEFAULTS.restart,
    maxRestarts: s.maxRestarts ?? DEFAULTS.maxRestarts,
    minUptimeMs: s.minUptime ?? DEFAULTS.minUptimeMs,
    forward: s.forward ? [...new Set(s.forward)] : [...FORWARDED_SIGNALS],
    main,
    after: [...new Set(s.after ?? [])],
    dirs: (s.dirs ?? []).map((d) => ({ path: path.resolve(ctx.dir, d.path), ...(d.owner !== undefined && { owner: d.owner }), ...(d.mode !== undefined && { mode: d.mode }) })),
  };
  if (s.preset) plan.preset = s.preset;
  if (ready) plan.ready = ready;
  if (s.liveness) {
    const l = planLiveness(name, s.liveness, { ready: ready !== undefined, preset: s.preset === 'php-fpm' }, (p) => resolveProbe(p, ctx.dir), ctx.loaded);
    if (Array.isArray(l)) return l;
    plan.liveness = l;
  }
  if (s.replicas !== undefined) plan.replicas = s.replicas;
  return plan;
}

/** Every service, in written order (orderServices sorts them). */
export function planServices(ctx: PlanContext, inputs: ServiceInputs): ServicePlan[] {
  const entries = Object.entries(ctx.loaded?.config.services ?? {});
  if (entries.length === 0 && inputs.cmdArgs?.length) {
    entries.push([nameFromProgram(inputs.cmdArgs[0]!), { main: true }]); // tasks first, then the command: the entrypoint-script shape
  }
  const main = chooseMain(ctx, entries, inputs);
  const problems: Problem[] = [];
  const services: ServicePlan[] = [];
  for (const [name, s] of entries) {
    const r = planService(ctx, name, s, name === main, inputs);
    if (Array.isArray(r)) problems.push(...r);
    else if ('message' in r) problems.push(r);
    else services.push(r);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return services;
}
