// What the control socket asks of the running berth, and the status it reports. The
// lifecycle implements ControlTarget (lifecycle/operator.ts); this folder never imports it.
import type { ErrorCode } from './protocol.js';

/** One service (or, with replicas, one replica): `berth ctl status`'s row. */
export interface ServiceStatus {
  name: string;
  /** 1..N when the service has replicas */
  replica?: number;
  /** pending | starting | ready | backoff | stopping | exited | stopped (by an operator) … */
  state: string;
  reason: string;
  pid: number | null;
  /** ms since the epoch */
  startedAt: number | null;
  uptimeMs: number | null;
  /** runs started again since berth started, by its restart policy or an operator */
  restarts: number;
  lastExit: { status: number; code: number | null; signal: string | null; at: number } | null;
  ready: boolean;
  /** its readiness probe as text; null: ready once spawned */
  readiness: string | null;
  /** null: no liveness check */
  liveness: { state: string; [k: string]: unknown } | null;
}

export interface TaskStatus {
  name: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  status: number | null;
  reason: string | null;
  durationMs: number | null;
}

/** A scheduled job's row; its fields (last run, next run …) are the scheduler's. */
export interface JobStatus {
  name: string;
  [field: string]: unknown;
}

export interface StatusSnapshot {
  berth: {
    pid: number;
    version: string;
    uptimeMs: number;
    /** starting: before every service first started; stopping: shutting down */
    phase: 'starting' | 'running' | 'stopping';
    ready: boolean;
    configFile: string | null;
    /** berth's own memory (process.memoryUsage): to watch it over a container's life */
    memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  };
  services: ServiceStatus[];
  tasks: TaskStatus[];
  jobs: JobStatus[];
}

export type ActionResult = { ok: true; message: string; [k: string]: unknown } | { ok: false; code: ErrorCode; message: string; [k: string]: unknown };

export interface Names {
  services: string[];
  jobs: string[];
}

export interface ReloadChange {
  name: string;
  kind: 'service' | 'task' | 'job';
  change: 'removed' | 'added' | 'changed' | 'unchanged';
  /** what differs, for `changed` */
  why?: string[];
  /** for `changed`: a new process, a reload in place (nginx: SIGHUP), or settings taken over as they are */
  action?: 'restart' | 'reload' | 'update';
}

export interface ReloadOutcome {
  ok: boolean;
  dryRun: boolean;
  /** every problem found, when not ok */
  problems: string[];
  changes: ReloadChange[];
  /** settings that differ but take effect only when the container restarts */
  needsRestart: string[];
  /** per changed service: how applying it went */
  applied: { name: string; action: 'stopped' | 'started' | 'restarted'; ok: boolean; message: string }[];
}

export interface ControlTarget {
  status(): StatusSnapshot;
  names(): Names;
  /** true once berth is shutting down: every action is refused */
  stopping(): boolean;
  restart(name: string): Promise<ActionResult>;
  stop(name: string): Promise<ActionResult>;
  start(name: string): Promise<ActionResult>;
  signal(name: string, signal: NodeJS.Signals): ActionResult;
  /** the last n lines berth kept of its output (masked), oldest first */
  lastLines(name: string, n: number): string[];
  /** each new line (masked); returns the function that stops it */
  follow(name: string, onLine: (line: string) => void): () => void;
  /** undefined while berth is still starting (tasks, first services) */
  reload(dryRun: boolean): Promise<ReloadOutcome | undefined>;
}
