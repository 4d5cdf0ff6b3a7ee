// `berth ctl`: finds the control socket, sends one request, prints the answer, and exits
// with its status (0; 64 unknown name; 69 nobody answering or not ready; 77 refused).
import { findConfigFile } from '../config/find.js';
import { peekPath } from '../config/peek.js';
import { callControl, ConnectError, type AnyReply } from '../control/client.js';
import { defaultControlSocket } from '../control/socket-path.js';
import type { ReloadOutcome, StatusSnapshot } from '../control/target.js';
import { formatReload, formatStatus } from './ctl-format.js';
import { parseCtlArgs, type CtlArgs } from './ctl-args.js';
import { EXIT, UsageError } from '../errors.js';

type Env = Record<string, string | undefined>;

export interface CtlIo {
  cwd: string;
  uid: number;
  out(s: string): void;
  err(s: string): void;
}

/** the flag, $BERTH_CONTROL, the config file's `control:` (found as `berth run` finds it), the default */
export function controlPath(args: Pick<CtlArgs, 'control' | 'config'>, env: Env, io: Pick<CtlIo, 'cwd' | 'uid'>): string | false {
  if (args.control !== undefined) return args.control === 'false' ? false : resolveFrom(io.cwd, args.control);
  if (env.BERTH_CONTROL) return env.BERTH_CONTROL === 'false' ? false : resolveFrom(io.cwd, env.BERTH_CONTROL);
  let file: string | undefined;
  try {
    file = findConfigFile({ explicit: args.config, env, cwd: io.cwd });
  } catch {
    file = undefined; // a named file that is missing: the default socket is the best guess
  }
  const fromFile = file ? peekPath(file, 'control', env) : undefined;
  return fromFile ?? defaultControlSocket(io.uid);
}

const resolveFrom = (cwd: string, p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`);

export async function ctl(words: string[], inherited: { control?: string; config?: string }, env: Env, io: CtlIo): Promise<number> {
  let args: CtlArgs;
  try {
    args = parseCtlArgs(words, inherited);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(e.message.startsWith('berth') ? e.message : `berth ctl: ${e.message}`);
      return EXIT.USAGE;
    }
    throw e;
  }
  const path = controlPath(args, env, io);
  if (path === false) {
    io.err('berth ctl: the control socket is turned off (control: false); nothing to talk to');
    return EXIT.UNAVAILABLE;
  }
  const { request } = args;
  const follow = request.cmd === 'logs' && request.follow;
  // a restart or start waits as long as the service's readyTimeout: berth answers when it knows
  const waits = request.cmd === 'restart' || request.cmd === 'start' || request.cmd === 'reload' || follow;
  let reply: AnyReply;
  try {
    reply = await callControl(path, request, {
      timeoutMs: waits ? 0 : 10_000,
      onReply: (r) => {
        if (!follow || !r.ok) return false;
        if (args.json) io.out(JSON.stringify(r));
        else if (Array.isArray(r.lines)) for (const l of r.lines) io.out(String(l));
        else if (typeof r.line === 'string') io.out(r.line);
        return true;
      },
    });
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    io.err(`berth ctl: ${e.message}`);
    return e.code === 'EACCES' || e.code === 'EPERM' ? 77 : 69;
  }
  if (!reply.ok) {
    if (args.json) io.out(JSON.stringify(reply));
    if (!args.json && request.cmd === 'reload' && reply.error.reload) io.err(`berth ctl reload: ${formatReload(reply.error.reload as ReloadOutcome)}`);
    else io.err(`berth ctl: ${reply.error.message}`);
    return typeof reply.error.status === 'number' ? reply.error.status : 1;
  }
  if (follow) return 0; // berth closed the stream (it is stopping)
  if (args.json) {
    io.out(JSON.stringify(request.cmd === 'status' ? reply.status : reply));
    return 0;
  }
  if (request.cmd === 'status') io.out(formatStatus(reply.status as StatusSnapshot, Date.now()));
  else if (request.cmd === 'reload') io.out(formatReload(reply.reload as ReloadOutcome));
  else if (request.cmd === 'logs') for (const l of (reply.lines as string[]) ?? []) io.out(l);
  else for (const r of (reply.results as { message: string }[]) ?? []) io.out(r.message);
  return 0;
}
