// The config file's shape (CONTRACT §2), strict: an unknown key is an error.
// Defaults are not here; plan/defaults.ts applies them, so `berth plan` can show them.
import { z } from 'zod';
import { expected, quote } from './describe.js';
import { count, duration, flag, forwardedSignal, mode, replicaCount, restartLimit, signal, simpleName, text, SIMPLE_NAME, SIMPLE_NAME_RULE } from './scalars.js';
import { field } from './field.js';
import { parseSchedule, parseTimeZone } from './schedule.js';
import { command, envMap, listen, pathList, pathOrFalse, readyFile, resource, secretName } from './values.js';
import { probe } from './probe-field.js';
import { LOG_FORMATS, LOG_LEVELS, OVERLAP_POLICIES, PRESETS, RESTART_POLICIES } from './constants.js';

// A config is validated once per start (and per reload): zod's JIT, which compiles a parser
// for each object schema with `new Function` on its first use, costs more than it saves then,
// and its code is not in berth's code cache. The same checks and messages without it.
z.config({ jitless: true });

export { LOG_FORMATS, LOG_LEVELS, OVERLAP_POLICIES, PRESETS, RESTART_POLICIES } from './constants.js';

const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: (i) => expected(what, i.input) });
const mapping = <T extends z.core.$ZodLooseShape>(shape: T, what: string) => z.strictObject(shape, { error: (i) => expected(what, i.input) });


const user = text('a user name or uid[:gid]');

export const taskSchema = mapping(
  {
    name: simpleName.optional(),
    cwd: text('a directory').optional(),
    command,
    shell: flag.optional(),
    env: envMap.optional(),
    user: user.optional(),
    timeout: duration.optional(),
    retries: count.optional(),
    retryDelay: duration.optional(),
    optional: flag.optional(),
    skip: flag.optional(),
    requires: pathList('a path or a list of paths').optional(),
  },
  'a task: a mapping with name and command',
);

export const dirSchema = mapping(
  { path: text('a directory path'), owner: user.optional(), mode: mode.optional() },
  'a directory: { path, owner, mode }',
);

export const livenessSchema = mapping(
  { probe: probe.optional(), interval: duration.optional(), timeout: duration.optional(), failures: count.optional() },
  'a liveness check: { probe, interval, timeout, failures }',
);

export const serviceSchema = mapping(
  {
    preset: z.enum(PRESETS).optional(),
    command: command.optional(),
    shell: flag.optional(),
    cwd: text('a directory').optional(),
    env: envMap.optional(),
    user: user.optional(),
    ready: probe.optional(),
    readyTimeout: duration.optional(),
    stopSignal: signal.optional(),
    stopTimeout: duration.optional(),
    restart: z.enum(RESTART_POLICIES).optional(),
    maxRestarts: restartLimit.optional(),
    minUptime: duration.optional(),
    forward: list(forwardedSignal, 'a list of signals (SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH), or [] for none').optional(),
    replicas: replicaCount.optional(),
    main: flag.optional(),
    after: list(text('a service name'), 'a list of service names').optional(),
    requires: pathList('a path or a list of paths').optional(),
    dirs: list(dirSchema, 'a list of directories').optional(),
    liveness: livenessSchema.optional(),
  },
  'a service: a mapping of its settings',
);

const schedule = field({ type: 'string', pattern: '^\\s*(?:@\\w+|@every\\s+\\S+|\\S+(?:\\s+\\S+){4})\\s*$' }, parseSchedule);
const timezone = field({ type: 'string', minLength: 1 }, parseTimeZone);

/** A scheduled command: what a task takes, less retries/optional/skip, plus when and how often. */
export const jobSchema = mapping(
  {
    command,
    schedule,
    timezone: timezone.optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    timeout: duration.optional(),
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

export const configSchema = mapping(
  {
    readyFile: readyFile.optional(),
    shutdownTimeout: duration.optional(),
    drain: duration.optional(),
    terminationLog: pathOrFalse.optional(),
    log: mapping({ format: z.enum(LOG_FORMATS).optional(), level: z.enum(LOG_LEVELS).optional(), stallTimeout: duration.optional() }, 'a mapping like { format: json, level: info }').optional(),
    env: envMap.optional(),
    envFile: pathList('a file name or a list of them').optional(),
    secrets: list(secretName, 'a list of variable names').optional(),
    waitFor: list(resource, 'a list of resources').optional(),
    waitTimeout: duration.optional(),
    health: mapping({ listen }, 'a mapping like { listen: 0.0.0.0:9090 }').optional(),
    control: pathOrFalse.optional(),
    tasks: list(taskSchema, 'a list of tasks').optional(),
    services: z.record(serviceName, serviceSchema, { error: (i) => expected('a mapping of service names to their settings', i.input) }).optional(),
    jobs: z.record(jobName, jobSchema, { error: (i) => expected('a mapping of job names to their settings', i.input) }).optional(),
  },
  'a mapping of settings (services, tasks, env, …)',
);

export type Config = z.output<typeof configSchema>;
export type TaskConfig = z.output<typeof taskSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type JobConfig = z.output<typeof jobSchema>;
