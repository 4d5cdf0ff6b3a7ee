// One way to signal a process that may have ended meanwhile.

/**
 * kill(2) for a pid (or, negative, a process group). false when it is gone: ESRCH is a
 * harmless race (a process ends whenever it likes), never an error.
 */
export function sendSignal(pid: number, sig: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
