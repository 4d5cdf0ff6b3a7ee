// berth's exit codes, the one list (the README's table is tested against it), and the
// error every layer may throw for a bad command line. Imports nothing of berth's.
import { constants } from 'node:os';

/** What berth exits with, besides a service's or task's own status. */
export const EXIT = {
  /** a clean stop */
  OK: 0,
  /** `berth health`: not ready (Docker's HEALTHCHECK reads 1 as unhealthy) */
  UNHEALTHY: 1,
  /** the command line asks for something impossible */
  USAGE: 64,
  /** a service was not ready in time, or a `waitFor` resource never answered */
  UNAVAILABLE: 69,
  /** berth's own bug */
  INTERNAL: 70,
  /** a service kept failing and berth gave up restarting it */
  GAVE_UP: 75,
  /** berth refused: a path or a request it will not trust */
  NO_PERMISSION: 77,
  /** the config, or what preflight found before starting anything */
  CONFIG: 78,
  /** a task ran past its timeout */
  TIMEOUT: 124,
  /** the command was found but cannot be run */
  NOT_EXECUTABLE: 126,
  /** the command was not found */
  NOT_FOUND: 127,
  /** something had to be SIGKILLed at shutdown (128 + 9) */
  KILLED: 137,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The signal's number (SIGTERM → 15); undefined for a name Node does not know. */
export function signalNumber(sig: NodeJS.Signals | string): number | undefined {
  return (constants.signals as Record<string, number>)[sig];
}

/** A shell's status for a process ended by sig: 128 + its number (SIGTERM → 143). */
export function signalStatus(sig: NodeJS.Signals | string): number | undefined {
  const n = signalNumber(sig);
  return n === undefined ? undefined : 128 + n;
}

/** The command line asks for something impossible: exit 64. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }

  format(): string {
    return this.message;
  }
}
