// The preflight's longest step started while the config is still being validated: php-fpm's
// `php-fpm -tt` (about 50 ms, all of PHP loaded) overlaps zod, the plan and the supervisor's
// set-up instead of following them. Read here from the YAML as the plan will read it (the
// rules of plan/process.ts and plan/services.ts, the schema's own parsers of command and env),
// for the plain shapes only: a php-fpm service whose command, cwd and env are written out (or
// left to the preset), in a config without envFile, secrets or dirs (dirs are made before the
// preflight, and -tt may need them), and no command or --cwd on berth's own command line.
// The preflight takes the result only for the very same command, directory and environment
// (presets/early.ts); anything else, it runs as before.
import type { Env } from '../types.js';
import { mergeEnv } from '../plan/env.js';
import { presetArgv } from '../plan/preset-command.js';
import { processCwd, toArgv } from '../plan/process.js';
import { startPresetTestsEarly } from '../presets/index.js';
import { command as commandField, envValue, ENV_KEY } from '../config/values.js';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `env:` as the schema reads it (its own name rule and value parser); undefined when absent, null when it will not pass */
function envOf(v: unknown): Record<string, string> | undefined | null {
  if (v === undefined) return undefined;
  if (!isMap(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const r = envValue.parse(x);
    if (!ENV_KEY.test(k) || !r.ok) return null;
    out[k] = r.value;
  }
  return out;
}

export interface EarlyContext {
  /** berth's working directory, where a process without cwd runs */
  cwd: string;
  /** the config file's directory, where a written cwd resolves */
  dir: string;
  env: Env;
}

/** Starts php-fpm's config test for each php-fpm service of `raw` (the YAML, interpolated, not yet validated). Never throws. */
export function startConfigTestsEarly(raw: unknown, ctx: EarlyContext): void {
  try {
    if (!isMap(raw) || raw.envFile !== undefined || raw.secrets !== undefined || !isMap(raw.services)) return;
    const top = envOf(raw.env);
    if (top === null) return;
    const services = Object.values(raw.services);
    if (services.some((s) => !isMap(s) || s.dirs !== undefined)) return;
    const early = [];
    for (const s of services as Obj[]) {
      if (s.preset !== 'php-fpm' || s.shell === true) continue;
      const own = envOf(s.env);
      const command = s.command === undefined ? undefined : commandField.parse(s.command);
      if (own === null || (command !== undefined && !command.ok) || (s.cwd !== undefined && typeof s.cwd !== 'string')) continue;
      const { env } = mergeEnv({ inherited: ctx.env, top, own });
      const cwd = processCwd(ctx, s.cwd as string | undefined);
      const argv = command === undefined ? presetArgv('php-fpm', env.PATH, cwd) : toArgv(command.value, false);
      early.push({ preset: 'php-fpm' as const, argv, cwd, env });
    }
    startPresetTestsEarly(early);
  } catch {
    // a shape the schema will refuse: nothing started, the preflight runs its tests as before
  }
}
