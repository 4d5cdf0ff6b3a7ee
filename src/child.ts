// The only place in berth that starts a process.
import { execa } from 'execa';

export interface Captured {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** spawn itself failed: ENOENT, EACCES … */
  spawnError?: string;
}

/** Run a short helper command (php-fpm -tt, nginx -T, an exec probe) and capture its output. */
export async function captureCommand(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Captured> {
  const [file, ...args] = argv;
  const r = await execa(file!, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.env === undefined,
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
  });
  const spawnError = r.failed && r.exitCode === undefined && !r.signal ? (r.code ?? r.shortMessage) : undefined;
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    spawnError,
  };
}
