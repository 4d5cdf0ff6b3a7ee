// The config file's shape (CONTRACT §2), strict: an unknown key is an error.
// Defaults are not here; plan/defaults.ts applies them, so `berth plan` can show them.
// Built by configSchemas() for each read of a config, from a zod the caller required
// (vendor.ts): no module holds a schema, so an idle berth keeps neither them nor zod.
import type * as Zod from 'zod';
import { expected, quote } from './describe.js';
import { count, duration, flag, forwardedSignal, mode, replicaCount, restartLimit, signal, simpleName, text, SIMPLE_NAME, SIMPLE_NAME_RULE } from './scalars.js';
import { field, zodField, type Field } from './field.js';
import { parseSchedule, parseTimeZone } from './schedule.js';
import { command, envMap, listen, pathList, pathOrFalse, readyFile, resource, secretName } from './values.js';
import { probe } from './probe-field.js';
import { LOG_FORMATS, LOG_LEVELS, OVERLAP_POLICIES, PRESETS, RESTART_POLICIES } from './constants.js';
import { requireZod, type Zod as ZodApi } from './vendor.js';

export { LOG_FORMATS, LOG_LEVELS, OVERLAP_POLICIES, PRESETS, RESTART_POLICIES } from './constants.js';

const schedule = field({ type: 'string', pattern: '^\\s*(?:@\\w+|@every\\s+\\S+|\\S+(?:\\s+\\S+){4})\\s*$' }, parseSchedule);
const timezone = field({ type: 'string', minLength: 1 }, parseTimeZone);

/** The config's zod schemas, built with zod as the caller has it (zod is required by the callers: vendor.ts). */
export function configSchemas({ z }: ZodApi) {
  // A config is validated once per start (and per reload): zod's JIT, which compiles a parser
  // for each object schema with `new Function` on its first use, costs more than it saves then,
  // and its code is not in berth's code cache. The same checks and messages without it.
  z.config({ jitless: true });
  const f = <T>(fl: Field<T>) => zodField(z, fl);
  const list = <T extends Zod.ZodType>(item: T, what: string) => z.array(item, { error: (i) => expected(what, i.input) });
  const mapping = <T extends Zod.core.$ZodLooseShape>(shape: T, what: string) => z.strictObject(shape, { error: (i) => expected(what, i.input) });
  const user = f(text('a user name or uid[:gid]'));
  const env = envMap(z);

  const taskSchema = mapping(
    {
      name: f(simpleName).optional(),
      cwd: f(text('a directory')).optional(),
      command: f(command),
      shell: f(flag).optional(),
      env: env.optional(),
      user: user.optional(),
      timeout: f(duration).optional(),
      retries: f(count).optional(),
      retryDelay: f(duration).optional(),
      optional: f(flag).optional(),
      skip: f(flag).optional(),
      requires: f(pathList('a path or a list of paths')).optional(),
    },
    'a task: a mapping with name and command',
  );

  const dirSchema = mapping({ path: f(text('a directory path')), owner: user.optional(), mode: f(mode).optional() }, 'a directory: { path, owner, mode }');

  const livenessSchema = mapping(
    { probe: f(probe).optional(), interval: f(duration).optional(), timeout: f(duration).optional(), failures: f(count).optional() },
    'a liveness check: { probe, interval, timeout, failures }',
  );

  const serviceSchema = mapping(
    {
      preset: z.enum(PRESETS).optional(),
      command: f(command).optional(),
      shell: f(flag).optional(),
      cwd: f(text('a directory')).optional(),
      env: env.optional(),
      user: user.optional(),
      ready: f(probe).optional(),
      readyTimeout: f(duration).optional(),
      stopSignal: f(signal).optional(),
      stopTimeout: f(duration).optional(),
      restart: z.enum(RESTART_POLICIES).optional(),
      maxRestarts: f(restartLimit).optional(),
      minUptime: f(duration).optional(),
      forward: list(f(forwardedSignal), 'a list of signals (SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH), or [] for none').optional(),
      replicas: f(replicaCount).optional(),
      main: f(flag).optional(),
      after: list(f(text('a service name')), 'a list of service names').optional(),
      requires: f(pathList('a path or a list of paths')).optional(),
      dirs: list(dirSchema, 'a list of directories').optional(),
      liveness: livenessSchema.optional(),
    },
    'a service: a mapping of its settings',
  );

  /** A scheduled command: what a task takes, less retries/optional/skip, plus when and how often. */
  const jobSchema = mapping(
    {
      command: f(command),
      schedule: f(schedule),
      timezone: f(timezone).optional(),
      overlap: z.enum(OVERLAP_POLICIES).optional(),
      timeout: f(duration).optional(),
      shell: taskSchema.shape.shell,
      cwd: taskSchema.shape.cwd,
      env: taskSchema.shape.env,
      user: taskSchema.shape.user,
      requires: taskSchema.shape.requires,
    },
    'a job: a mapping with command and schedule',
  );

  const serviceName = z.string().regex(SIMPLE_NAME, { error: (i) => `${quote(String(i.input))} is not a valid service name: ${SIMPLE_NAME_RULE}` });
  const jobName = z.string().regex(SIMPLE_NAME, { error: (i) => `${quote(String(i.input))} is not a valid job name: ${SIMPLE_NAME_RULE}` });

  const configSchema = mapping(
    {
      readyFile: f(readyFile).optional(),
      shutdownTimeout: f(duration).optional(),
      drain: f(duration).optional(),
      terminationLog: f(pathOrFalse).optional(),
      log: mapping({ format: z.enum(LOG_FORMATS).optional(), level: z.enum(LOG_LEVELS).optional(), stallTimeout: f(duration).optional() }, 'a mapping like { format: json, level: info }').optional(),
      env: env.optional(),
      envFile: f(pathList('a file name or a list of them')).optional(),
      secrets: list(f(secretName), 'a list of variable names').optional(),
      waitFor: list(f(resource), 'a list of resources').optional(),
      waitTimeout: f(duration).optional(),
      health: mapping({ listen: f(listen) }, 'a mapping like { listen: 0.0.0.0:9090 }').optional(),
      control: f(pathOrFalse).optional(),
      tasks: list(taskSchema, 'a list of tasks').optional(),
      services: z.record(serviceName, serviceSchema, { error: (i) => expected('a mapping of service names to their settings', i.input) }).optional(),
      jobs: z.record(jobName, jobSchema, { error: (i) => expected('a mapping of job names to their settings', i.input) }).optional(),
    },
    'a mapping of settings (services, tasks, env, …)',
  );

  return { configSchema, taskSchema, dirSchema, livenessSchema, serviceSchema, jobSchema };
}

/** The schemas with zod required now; what holds them holds zod (let them go once used). */
export const loadSchemas = () => configSchemas(requireZod());

export type ConfigSchemas = ReturnType<typeof configSchemas>;
export type Config = Zod.output<ConfigSchemas['configSchema']>;
export type TaskConfig = Zod.output<ConfigSchemas['taskSchema']>;
export type ServiceConfig = Zod.output<ConfigSchemas['serviceSchema']>;
export type JobConfig = Zod.output<ConfigSchemas['jobSchema']>;
