// The shapes every part of berth agrees on: the resolved plan (config → plan.ts)
// and the logger the rest writes its events through. Leaves import only this file.

/** An environment as Node gives it: a variable may be present and undefined. */
export type Env = Record<string, string | undefined>;

export type Probe = ProbeForm & {
  /** as written, when it mentions {replica}: parsed again for each replica */
  perReplica?: string | Record<string, unknown>;
};

type ProbeForm =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host?: string; port: number }
  | { kind: 'http'; url: string; status?: number }
  | { kind: 'file'; path: string }
  | { kind: 'exec'; argv: string[] }
  | { kind: 'log'; regex: string }
  | { kind: 'fastcgi'; address: string; path: string; expect?: string };

export type RestartPolicy = 'never' | 'on-failure' | 'always';
export type LogFormat = 'json' | 'pretty' | 'raw';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type PresetName = 'php-fpm' | 'nginx';

export interface DirSpec {
  path: string; // absolute
  owner?: string; // name or uid[:gid]
  mode?: number;
}

export interface UserSpec {
  uid: number;
  gid: number;
  name?: string;
  home?: string;
}

/** What tasks and services share: how to start one process. */
export interface ProcessPlan {
  name: string;
  argv: string[]; // `shell: true` is already ['/bin/sh', '-c', string]
  shell: boolean;
  cwd: string; // absolute
  env: Record<string, string>; // the child's whole environment, merged per CONTRACT §2
  envKeys: string[]; // keys berth set (envFile, env): shown by plan, never their values
  user?: string; // as written: name or uid[:gid]; resolved in preflight
  requires: string[]; // absolute paths
  /** where in the config this came from, for messages: "berth.yaml:12:7 services.app" */
  source?: string;
}

export interface TaskPlan extends ProcessPlan {
  timeoutMs?: number;
  retries: number;
  retryDelayMs: number;
  optional: boolean;
  skip: boolean;
}

export interface ServicePlan extends ProcessPlan {
  preset?: PresetName;
  ready?: Probe;
  readyTimeoutMs: number; // 0 = forever
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  restart: RestartPolicy;
  /** restarts allowed within 60 s before berth gives up; runs of minUptime or more do not count */
  maxRestarts: number | 'unlimited';
  /** a run at least this long was a success: restarted at once, not counted */
  minUptimeMs: number;
  /** which of the forwarded signals (SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH) reach it */
  forward: NodeJS.Signals[];
  main: boolean;
  after: string[]; // written plus inferred (presets), all known names
  dirs: DirSpec[];
  /** a digest of the configuration its preset read (php-fpm -tt, nginx -T): set by preflight, compared by a reload */
  presetInputs?: string;
  liveness?: LivenessPlan;
  /** `replicas` as written (1..64); absent: one process, with no BERTH_REPLICA */
  replicas?: number;
  /** set on each replica's own plan (lifecycle/replicas.ts): `name` is then "queue:2" */
  replica?: { service: string; index: number };
}

export type OverlapPolicy = 'skip' | 'allow' | 'replace';

/** A scheduled command (CONTRACT §11): a task's process, run on a schedule once services are ready. */
export interface JobPlan extends ProcessPlan {
  schedule: { kind: 'cron'; expr: string } | { kind: 'every'; everyMs: number };
  /** the schedule's text as written, for messages and `berth plan` */
  scheduleText: string;
  timezone: string;
  overlap: OverlapPolicy;
  timeoutMs?: number;
}

/** CONTRACT §9: checked while the service runs, once it is ready. */
export interface LivenessPlan {
  /** as written; absent: the service's `ready` (a preset may fill that in at preflight) */
  probe?: Probe;
  intervalMs: number;
  timeoutMs: number;
  /** consecutive failures that make the service unhealthy */
  failures: number;
}

export interface Plan {
  configFile?: string; // absolute; undefined when there is none
  baseDir: string; // where relative paths resolved
  readyFile: string | false;
  shutdownTimeoutMs: number;
  /** §9: unready first, then this long before the stop (0: none) */
  drainMs: number;
  /** §9: the termination report's path, or false */
  terminationLog: string | false;
  /** stallTimeoutMs: how long a stdout may take nothing before berth stops waiting for it (0: for ever) */
  log: { format: LogFormat; level: LogLevel; stallTimeoutMs: number };
  waitFor: string[]; // wait-on resources: tcp:host:port, http(s)://, socket:/path, file:/path
  waitTimeoutMs: number;
  health?: { host: string; port: number };
  /** the control socket berth ctl talks to (absolute), or false for none */
  control: string | false;
  tasks: TaskPlan[];
  services: ServicePlan[]; // in start order (topological by `after`)
  /** only when the config has jobs */
  jobs?: JobPlan[];
  /** values read from NAME_FILE: masked as *** in child output, never in berth's events */
  secretValues: string[];
}

/**
 * berth's own events. `event` is one of CONTRACT §7's names; fields are flat and
 * never hold a secret or an env value.
 */
export interface EventLog {
  trace(event: string, fields: Record<string, unknown>, msg: string): void;
  debug(event: string, fields: Record<string, unknown>, msg: string): void;
  info(event: string, fields: Record<string, unknown>, msg: string): void;
  warn(event: string, fields: Record<string, unknown>, msg: string): void;
  error(event: string, fields: Record<string, unknown>, msg: string): void;
}
