// How berth ends, said once: the termination report (CONTRACT §9) from the exit status and its cause.
import type { EventLog, Plan } from '../types.js';
import { DEFAULTS } from '../plan/defaults.js';
import { composeReport, type EndCause } from './termination.js';
import { writeTerminationLog } from './termination-log.js';

export type { EndCause } from './termination.js';
export { causeFields, describeCause } from './termination.js';

/** Writes the report to plan.terminationLog; a failure is logged, never fatal (berth is exiting). */
export function reportEnd(plan: Plan, log: EventLog, lastLines: (name: string, n: number) => string[], status: number, cause: EndCause): void {
  if (plan.terminationLog === false) return;
  const who = cause.kind === 'final' ? cause.service : cause.kind === 'task' ? cause.task : undefined;
  const text = composeReport(status, cause, who ? { name: who, lines: lastLines(who, 20) } : undefined, plan.secretValues);
  const written = writeTerminationLog(plan.terminationLog, text, plan.terminationLog === DEFAULTS.terminationLog);
  if (written.ok) log.debug('termination.log', { path: plan.terminationLog, bytes: Buffer.byteLength(text) }, `termination report written to ${plan.terminationLog}`);
  else if (!written.quiet) log.warn('termination.log', { path: plan.terminationLog, error: written.error }, written.error);
}
