// Tasks: one-shot, in written order, before any service.
import type { TaskPlan } from '../types.js';
import { splitShellWords } from '../config/shell-words.js';
import { DEFAULTS } from './defaults.js';
import { nameFromProgram, processPlan, toArgv, type PlanContext } from './process.js';

/** A task without a name is called after its program; a second `yarn` becomes `yarn-2`. */
function defaultName(command: string | string[], used: Set<string>): string {
  const split = typeof command === 'string' ? splitShellWords(command) : undefined;
  const first = Array.isArray(command) ? command[0] : split?.ok ? split.argv[0] : undefined;
  const base = nameFromProgram(first ?? 'task');
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}

export function planTasks(ctx: PlanContext): TaskPlan[] {
  const tasks = ctx.loaded?.config.tasks ?? [];
  // a task named after its program never takes a service's name either
  const used = new Set([...tasks.flatMap((t) => (t.name === undefined ? [] : [t.name])), ...Object.keys(ctx.loaded?.config.services ?? {})]);
  return tasks.map((t, i) => {
    const shell = t.shell === true;
    const base = processPlan(ctx, {
      name: t.name ?? defaultName(t.command, used),
      argv: toArgv(t.command, shell),
      shell,
      cwd: t.cwd,
      env: t.env,
      user: t.user,
      requires: t.requires,
      keyPath: ['tasks', i],
    });
    const plan: TaskPlan = {
      ...base,
      retries: t.retries ?? DEFAULTS.retries,
      retryDelayMs: t.retryDelay ?? DEFAULTS.retryDelayMs,
      optional: t.optional ?? false,
      skip: t.skip ?? false,
    };
    if (t.timeout !== undefined && t.timeout > 0) plan.timeoutMs = t.timeout; // 0: no limit, as for readyTimeout
    return plan;
  });
}
