// Layer pid1: the duties of PID 1 (reaping orphans, subreaper, the terminal). May import os
// and types.
// What PID 1 duties look like to the supervisor; reaper.ts, libc.ts and tty.ts do them.
import type { EventLog } from '../types.js';

export interface Pid1Session {
  stop(): void;
  /** live processes re-parented to berth that it did not start */
  adopted(): number[];
  /** SIGTERM those, SIGKILL what is left after ms */
  endAdopted(ms: number): Promise<void>;
}

export interface Pid1 {
  start(opts: { log: EventLog; isOwnChild: (pid: number) => boolean }): Pid1Session;
}
