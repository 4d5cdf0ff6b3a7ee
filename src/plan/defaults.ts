// CONTRACT §2's defaults, in one place, so the plan and its printout agree.
import type { LogLevel, RestartPolicy } from '../types.js';

export const DEFAULTS = {
  readyTimeoutMs: 60_000,
  waitTimeoutMs: 60_000,
  stopTimeoutMs: 8_000,
  shutdownTimeoutMs: 9_000,
  drainMs: 0,
  /** Kubernetes shows it in `kubectl describe pod`; used only where its directory may be written */
  terminationLog: '/dev/termination-log',
  restart: 'never' as RestartPolicy,
  maxRestarts: 5,
  minUptimeMs: 10_000,
  retries: 0,
  retryDelayMs: 1_000, // the contract is silent; 1 s, as the restart backoff starts
  stopSignal: 'SIGTERM' as NodeJS.Signals,
  logLevel: 'info' as LogLevel,
  /** a stdout that takes nothing for this long is stuck, not slow: berth stops waiting for it */
  logStallTimeoutMs: 5_000,
} as const;

/** `/run/berth/ready` for root, `/tmp/berth-UID/ready` for anyone else (who cannot write /run). */
export function defaultReadyFile(uid: number): string {
  return uid === 0 ? '/run/berth/ready' : `/tmp/berth-${uid}/ready`;
}
