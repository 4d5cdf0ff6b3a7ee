// `berth ctl VERB [ARG...]`: its words, checked before anything is sent. Pure.
import { UsageError } from '../errors.js';
import { MAX_LOG_LINES } from '../control/protocol.js';

export type CtlRequest =
  | { cmd: 'status' }
  | { cmd: 'restart' | 'stop' | 'start'; names: string[] }
  | { cmd: 'signal'; signal: string; names: string[] }
  | { cmd: 'logs'; name: string; lines: number; follow: boolean }
  | { cmd: 'reload'; dryRun: boolean };

export interface CtlArgs {
  request: CtlRequest;
  json: boolean;
  control?: string;
  config?: string;
}

export const CTL_USAGE = `usage: berth ctl status [--json]
       berth ctl restart NAME...
       berth ctl stop NAME... | berth ctl start NAME...
       berth ctl signal SIG NAME...
       berth ctl logs NAME [-n N] [--follow]
       berth ctl reload [--dry-run]
options: --control PATH (the socket; default: the config's control:, $BERTH_CONTROL, then
         /run/berth/control.sock or /tmp/berth-UID/control.sock), -c FILE, --json`;

export function parseCtlArgs(words: string[], inherited: { control?: string; config?: string } = {}): CtlArgs {
  const out: Omit<CtlArgs, 'request'> = { json: false, ...inherited };
  const rest: string[] = [];
  let lines: number | undefined;
  let follow = false;
  let dryRun = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = (name: string) => {
      const eq = w.indexOf('=');
      const v = eq > 0 ? w.slice(eq + 1) : words[++i];
      if (v === undefined || v === '') throw new UsageError(`berth ctl: ${name} needs a value\n${CTL_USAGE}`);
      return v;
    };
    if (w === '--') {
      rest.push(...words.slice(i + 1));
      break;
    }
    if (w === '--json') out.json = true;
    else if (w === '--follow' || w === '-f') follow = true;
    else if (w === '--dry-run') dryRun = true;
    else if (w === '--control' || w.startsWith('--control=')) out.control = value('--control');
    else if (w === '-c' || w === '--config' || w.startsWith('--config=')) out.config = value('--config');
    else if (w === '-n' || w === '--lines' || w.startsWith('--lines=')) {
      const v = value('-n');
      if (!/^\d+$/.test(v) || Number(v) > MAX_LOG_LINES) throw new UsageError(`berth ctl logs: -n takes a number from 0 to ${MAX_LOG_LINES}, not "${v}"`);
      lines = Number(v);
    } else if (w.startsWith('-') && w !== '-') throw new UsageError(`berth ctl: unknown option ${w}\n${CTL_USAGE}`);
    else rest.push(w);
  }
  const [verb, ...args] = rest;
  const only = (what: string, ok: boolean) => {
    if (!ok) throw new UsageError(`berth ctl ${verb}: ${what}\n${CTL_USAGE}`);
  };
  if (verb !== 'logs') only('-n and --follow go with logs', lines === undefined && !follow);
  if (verb !== 'reload') only('--dry-run goes with reload', !dryRun);
  switch (verb) {
    case 'status':
      only('takes no names', args.length === 0);
      return { ...out, request: { cmd: 'status' } };
    case 'restart':
    case 'stop':
    case 'start':
      only('name at least one service', args.length > 0);
      return { ...out, request: { cmd: verb, names: args } };
    case 'signal':
      only('give a signal and at least one service (berth ctl signal HUP nginx)', args.length >= 2);
      return { ...out, request: { cmd: 'signal', signal: args[0]!, names: args.slice(1) } };
    case 'logs':
      only('name one service', args.length === 1);
      return { ...out, request: { cmd: 'logs', name: args[0]!, lines: lines ?? 100, follow } };
    case 'reload':
      only('takes no names: it reads the whole config again', args.length === 0);
      return { ...out, request: { cmd: 'reload', dryRun } };
    case undefined:
      throw new UsageError(`berth ctl: which verb?\n${CTL_USAGE}`);
    default:
      throw new UsageError(`berth ctl: unknown verb "${verb}"\n${CTL_USAGE}`);
  }
}
