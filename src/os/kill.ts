// One way to signal a process that may have ended meanwhile.

/**
 * kill(2) for a pid (or, negative, a process group). false when it is gone: ESRCH is a
 * harmless race (a process ends whenever it likes), never an error. Never 0, 1 or -1, which
 * kill(2) reads as berth's own group, init (or berth itself, as PID 1) and every process
 * berth may signal: a pid worked out wrong must not become one of those.
 */
export function sendSignal(pid: number, sig: NodeJS.Signals | number): boolean {
  if (!Number.isSafeInteger(pid) || Math.abs(pid) <= 1) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
