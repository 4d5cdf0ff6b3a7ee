// The terminal for the one service under `docker run -it`, as a shell gives it to a
// foreground job: the service's process group becomes the terminal's foreground group,
// so Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT), Ctrl-Z (SIGTSTP) and window resizes (SIGWINCH)
// go to it and never to berth, and reads from the terminal are its own.
//
// What the service needs for that, which Node's spawn cannot give on its own:
// - its own process group inside berth's session. `detached: true` is setsid(), a new
//   session without the terminal: tcsetpgrp then fails with EPERM and bash says "no job
//   control". Without `detached` it shares berth's group, which berth (a session leader
//   as PID 1) cannot leave. So the service puts itself in a new group before exec, through
//   execInForeground below (tini's isolate_child does the same between fork and exec).
// - stdin, stdout and stderr inherited: the terminal itself, not pipes.
// - default signal dispositions and an empty mask when it starts.
import { constants } from 'node:os';
import { sendSignal } from '../os/kill.js';
import { processStat } from '../os/proc.js';
import { loadLibc, SIG_DFL, SIG_IGN, type CallError, type CallResult, type Libc } from '../os/libc.js';

const NO_LIBC: CallError = { errno: constants.errno.ENOSYS, code: 'ENOSYS' };
const NOT_FOREGROUND: CallError = { errno: constants.errno.EPERM, code: 'NOT_FOREGROUND' };

/**
 * Make pgid the terminal's foreground process group; returns the function that takes
 * the terminal back. berth ignores SIGTTOU and SIGTTIN until then: a background process
 * calling tcsetpgrp (or writing with TOSTOP set) would otherwise be stopped by them.
 */
export function giveTerminal(pgid: number, opts: { fd?: number; libc?: Libc } = {}): CallResult<() => void> {
  const fd = opts.fd ?? 0;
  const libc = opts.libc ?? loadLibc();
  if (!libc) return { ok: false, ...NO_LIBC };
  const foreground = libc.tcgetpgrp(fd);
  if (!foreground.ok) return foreground;
  // never steal the terminal from whoever has it (berth itself run in the background)
  if (foreground.value !== libc.getpgrp() && foreground.value !== pgid) return { ok: false, ...NOT_FOREGROUND };
  const restore = ignoreJobControlSignals(libc);
  const given = libc.tcsetpgrp(fd, pgid);
  if (!given.ok) {
    restore();
    return given;
  }
  // a shell started before this point has stopped itself with SIGTTIN: wake it up
  sendSignal(-pgid, 'SIGCONT');
  return { ok: true, value: takeBackOnce(libc, fd, restore) };
}

/**
 * berth's side when the service takes the terminal itself (execInForeground, before its
 * exec, so it never runs without it). Only when berth's group has the terminal to lend:
 * berth ignores SIGTTOU and SIGTTIN, as giveTerminal does, until the function returned
 * takes the terminal back, once the service has ended.
 */
export function lendTerminal(opts: { fd?: number; libc?: Libc } = {}): CallResult<() => void> {
  const fd = opts.fd ?? 0;
  const libc = opts.libc ?? loadLibc();
  if (!libc) return { ok: false, ...NO_LIBC };
  const foreground = libc.tcgetpgrp(fd);
  if (!foreground.ok) return foreground;
  if (foreground.value !== libc.getpgrp()) return { ok: false, ...NOT_FOREGROUND };
  return { ok: true, value: takeBackOnce(libc, fd, ignoreJobControlSignals(libc)) };
}

function takeBackOnce(libc: Libc, fd: number, restore: () => void): () => void {
  let taken = false;
  return () => {
    if (taken) return;
    taken = true;
    libc.tcsetpgrp(fd, libc.getpgrp()); // EIO/ENOTTY: the terminal is gone, nothing to take
    restore();
  };
}

/**
 * The service's side, run in the process that then becomes the service: a new process
 * group, the terminal's foreground, dispositions as a fresh process has them, stdio kept
 * across exec, then execvp. Returns only on failure (ENOENT → 127, else 126, as tini).
 */
export function execInForeground(argv: string[], opts: { fd?: number; libc?: Libc } = {}): CallError {
  const libc = opts.libc ?? loadLibc();
  if (!libc) return NO_LIBC;
  const [file] = argv;
  if (!file) return { errno: constants.errno.EINVAL, code: 'EINVAL' };
  const fd = opts.fd ?? 0;
  const foreground = libc.tcgetpgrp(fd); // ENOTTY, ENXIO: no terminal, nothing to hand over
  const wasForeground = foreground.ok && foreground.value === libc.getpgrp();
  libc.setpgid(0, 0);
  libc.setSignalDisposition('SIGTTOU', SIG_IGN);
  if (wasForeground) libc.tcsetpgrp(fd, process.pid);
  for (const sig of RESETTABLE) libc.setSignalDisposition(sig, SIG_DFL); // Node ignores SIGPIPE, SIGXFSZ
  libc.unblockAllSignals();
  for (const stdio of [0, 1, 2]) libc.clearCloseOnExec(stdio); // Node marks them close-on-exec
  return libc.execvp(file, argv);
}

/**
 * Ctrl-Z stops a service that is not a shell, and there is no prompt to return to: berth
 * continues it at once, as a shell's `fg` would (bash handles Ctrl-Z itself and never
 * stops). pid leads its process group. Watches SIGCHLD, which a stopping child sends,
 * one check per burst of them; returns the remover.
 */
export function continueWhenStopped(pid: number, onStop: (pid: number) => void): () => void {
  let scheduled = false;
  let stopped = false;
  const check = (): void => {
    scheduled = false;
    if (stopped || processStat(pid)?.state !== 'T') return;
    onStop(pid);
    sendSignal(-pid, 'SIGCONT');
  };
  const onSigchld = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(check);
  };
  process.on('SIGCHLD', onSigchld);
  return () => {
    stopped = true;
    process.off('SIGCHLD', onSigchld);
  };
}

function ignoreJobControlSignals(libc: Libc): () => void {
  const previous = (['SIGTTOU', 'SIGTTIN'] as const).map((sig) => {
    const r = libc.setSignalDisposition(sig, SIG_IGN);
    return { sig, disposition: r.ok ? r.value : SIG_DFL };
  });
  return () => previous.forEach((p) => libc.setSignalDisposition(p.sig, p.disposition));
}

/** every signal below the real-time ones, but SIGKILL and SIGSTOP */
const RESETTABLE = (Object.keys(constants.signals) as NodeJS.Signals[]).filter((sig) => {
  const n = constants.signals[sig];
  return n < 32 && sig !== 'SIGKILL' && sig !== 'SIGSTOP';
});
