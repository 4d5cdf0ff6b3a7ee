// CONTRACT §3 step 1: a second berth started by habit inside a running container
// (`docker exec app berth status`, as supervisorctl users type) must never harm the first:
// when the ready file or the control socket belongs to a live berth, refuse at once and
// touch nothing of it.
import type { Plan } from '../types.js';
import { liveOwner } from '../readiness/ready-file.js';
import { berthAnswering } from '../control/answering.js';

/** what an operator of a running berth types; `berth ctl` has them */
const CTL_VERBS = new Set(['status', 'restart', 'stop', 'start', 'signal', 'reload', 'logs']);

export interface RunningBerth {
  pid?: number;
  /** the ready file or control socket that told */
  path: string;
  message: string;
}

/** The berth already running here, if any: first by the ready file, then by the control socket. */
export async function findRunningBerth(plan: Plan, control: string | false | undefined, timeoutMs = 500): Promise<RunningBerth | undefined> {
  const hint = ctlHint(plan);
  if (plan.readyFile) {
    const pid = liveOwner(plan.readyFile);
    if (pid !== undefined) return { pid, path: plan.readyFile, message: `berth pid ${pid} is already running here (ready file ${plan.readyFile}); did you mean \`${hint}\`? Nothing was started or changed` };
  }
  if (control) {
    const a = await berthAnswering(control, timeoutMs);
    if (a.answering) {
      const who = a.pid !== undefined ? `berth pid ${a.pid} is` : 'a berth is';
      return { ...(a.pid !== undefined && { pid: a.pid }), path: control, message: `${who} already running here (control socket ${control}); did you mean \`${hint}\`? Nothing was started or changed` };
    }
  }
  return undefined;
}

/** `berth status` meant `berth ctl status`; anything else gets the command that shows what runs */
function ctlHint(plan: Plan): string {
  const argv = plan.services.find((s) => s.main)?.argv ?? [];
  return argv.length > 0 && CTL_VERBS.has(argv[0]!) ? `berth ctl ${argv.join(' ')}` : 'berth ctl status';
}
