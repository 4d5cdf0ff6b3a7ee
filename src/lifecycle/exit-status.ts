// CONTRACT §4 after services ran: one place decides what berth exits with.
import { exitStatus, type ExitInfo } from '../process/exit.js';
import { EXIT, signalStatus } from '../errors.js';

export interface StopRecord {
  service: string;
  stopSignal: NodeJS.Signals;
  info: ExitInfo;
  killed: boolean;
}

export type ShutdownCause =
  | { kind: 'signal'; signal: NodeJS.Signals }
  | {
      kind: 'final';
      status: number;
      service: string;
      /** how it ended for good, for the termination report (absent: it exited) */
      why?: 'exited' | 'gave-up' | 'ready-timeout' | 'unhealthy';
      code?: number;
      signal?: NodeJS.Signals;
      /** what the failing liveness check saw, or how the last run ended */
      detail?: string;
      waitedMs?: number;
    }
  | { kind: 'no-services' };

/**
 * A service that ended by itself (or timed out getting ready) decides the status.
 * After a signal: 137 if anything had to be SIGKILLed, else the first service that
 * ended other than cleanly, else 0. Clean is code 0, its stop signal, or
 * 128 + its stop signal (what a shell reports for it).
 */
export function shutdownStatus(cause: ShutdownCause, records: StopRecord[], forced: boolean): number {
  if (cause.kind === 'final') return cause.status;
  if (cause.kind === 'no-services') return EXIT.OK;
  if (forced || records.some((r) => r.killed)) return EXIT.KILLED;
  for (const r of records) {
    const status = exitStatus(r.info);
    const clean = status === 0 || r.info.signal === r.stopSignal || status === signalStatus(r.stopSignal);
    if (!clean) return status;
  }
  return EXIT.OK;
}
