// The side effects tasks, services and jobs need, gathered so a test can replace them.
// The interface lives here, below lifecycle and jobs, so both import it one way;
// lifecycle/runner.ts builds the real one.
import type { EventLog, ProcessPlan } from '../types.js';
import type { Child } from './child.js';

export interface Runner {
  log: EventLog;
  /** start the process as its plan says (cwd, env, user); never throws */
  spawn(p: ProcessPlan, opts?: { foreground?: boolean }): Child | { spawnError: string };
  /** relay the child's output; resolves when both pipes ended and every line is out */
  relayOutput(name: string, child: Child, onLine?: (line: string) => void): Promise<void>;
  /** last output lines of a task or service, for the readiness report */
  lastLines(name: string, n: number): string[];
  /** resolves true after ms, or false at once when berth starts shutting down */
  delay(ms: number): Promise<boolean>;
  /** processes re-parented to berth that it did not start (subreaper, PID 1) */
  adopted(): number[];
}
