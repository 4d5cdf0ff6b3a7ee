// CONTRACT §9's termination report: why berth ended, in a few lines a person reads in
// `kubectl describe pod`, and the same cause as fields of the last event (shutdown.done).
import type { ShutdownCause } from './exit-status.js';
import { maskSecrets } from '../plan/json.js';
import { formatElapsed } from '../readiness/diagnose.js';

export const REPORT_MAX_BYTES = 4096;

/** Every way berth ends once it has a plan. */
export type EndCause =
  | ShutdownCause
  | { kind: 'task'; task: string; status: number; reason: string }
  /** preflight, waitFor or health.listen failed: nothing was started */
  | { kind: 'not-started'; status: number; reason: string };

/** The cause as flat event fields: `cause` names the kind, the rest say who and how. */
export function causeFields(cause: EndCause): Record<string, unknown> {
  switch (cause.kind) {
    case 'signal':
      return { cause: 'signal', signal: cause.signal };
    case 'final':
      return { cause: cause.why ?? 'exited', service: cause.service, ...(cause.code !== undefined && { code: cause.code }), ...(cause.signal !== undefined && { signal: cause.signal }) };
    case 'task':
      return { cause: 'task-failed', task: cause.task, code: cause.status };
    case 'no-services':
      return { cause: 'no-services' };
    case 'not-started':
      return { cause: 'not-started' };
  }
}

/** One sentence: "service app unhealthy: GET … answered 500", "signal SIGTERM". */
export function describeCause(cause: EndCause): string {
  switch (cause.kind) {
    case 'signal':
      return `signal ${cause.signal}`;
    case 'final': {
      const how = cause.signal ? `killed by ${cause.signal}` : cause.code !== undefined ? `exited with code ${cause.code}` : 'ended';
      switch (cause.why) {
        case 'unhealthy':
          return `service ${cause.service} unhealthy${cause.detail ? `: ${cause.detail}` : ''}`;
        case 'ready-timeout':
          return `service ${cause.service} not ready after ${formatElapsed(cause.waitedMs ?? 0)}`;
        case 'gave-up':
          return `service ${cause.service} kept failing; berth gave up restarting it (last run ${cause.detail ?? how})`;
        default:
          return `service ${cause.service} ${how}`;
      }
    }
    case 'task':
      return `task ${cause.task} failed: ${cause.reason}`;
    case 'no-services':
      return 'no services to run; tasks done';
    case 'not-started':
      return `${cause.reason}; nothing was started`;
  }
}

/**
 * Plain text, at most 4 KiB: the status and the cause first (always whole), then as many of
 * the last output lines as fit, newest kept. Secrets masked in every part.
 */
export function composeReport(status: number, cause: EndCause, lastLines: { name: string; lines: string[] } | undefined, secrets: readonly string[]): string {
  const mask = (s: string) => maskSecrets(s, secrets);
  const head = mask(`berth exited with ${status}: ${describeCause(cause)}\n`);
  const clippedHead = clipBytes(head, REPORT_MAX_BYTES);
  if (!lastLines || lastLines.lines.length === 0) return clippedHead;
  const title = `last lines of ${lastLines.name}:\n`;
  let room = REPORT_MAX_BYTES - Buffer.byteLength(clippedHead) - Buffer.byteLength(title);
  const kept: string[] = [];
  for (const line of [...lastLines.lines].reverse()) {
    const l = `${mask(line).slice(0, 400)}\n`;
    const n = Buffer.byteLength(l);
    if (n > room) break;
    kept.unshift(l);
    room -= n;
  }
  return kept.length ? clippedHead + title + kept.join('') : clippedHead;
}

function clipBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  return `${Buffer.from(s).subarray(0, max - 4).toString('utf8').replace(/\uFFFD$/, '')}…\n`;
}
