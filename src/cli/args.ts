// CONTRACT §1: verbs, options, and Docker's CMD convention. Pure: argv in, a value out.
import { UsageError } from '../errors.js';

export type Verb = 'run' | 'check' | 'plan' | 'health' | 'schema' | 'ctl' | 'version' | 'help';
const VERBS = new Set(['run', 'check', 'plan', 'health', 'schema', 'ctl']);

export interface Options {
  config?: string;
  ready?: string;
  readyTimeout?: string;
  readyFile?: string;
  control?: string;
  waitFor: string[];
  cwd?: string;
  stopSignal?: string;
  stopTimeout?: string;
  logFormat?: string;
  logLevel?: string;
  json: boolean;
}

export interface ParsedArgs {
  verb: Verb;
  options: Options;
  /** the command after the options: CMD in Docker's terms; for ctl, its own words */
  command: string[];
}


const VALUE_OPTIONS: Record<string, keyof Options> = {
  '-c': 'config',
  '--config': 'config',
  '--ready': 'ready',
  '--ready-timeout': 'readyTimeout',
  '--ready-file': 'readyFile',
  '--control': 'control',
  '--wait-for': 'waitFor',
  '--cwd': 'cwd',
  '--stop-signal': 'stopSignal',
  '--stop-timeout': 'stopTimeout',
  '--log-format': 'logFormat',
  '--log-level': 'logLevel',
};

/** which options each verb takes besides the shared ones */
const ONLY_FOR: Partial<Record<keyof Options, Verb[]>> = { json: ['check', 'plan'] };

export function parseArgs(argv: string[]): ParsedArgs {
  const options: Options = { waitFor: [], json: false };
  let verb: Verb | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '--version' || arg === '-V') return { verb: 'version', options, command: [] };
    if (arg === '--help' || arg === '-h') return { verb: 'help', options, command: [] };
    if (arg === '--json') {
      options.json = true;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      const key = VALUE_OPTIONS[name];
      if (!key) throw new UsageError(`unknown option ${name}${suggest(name)}; see berth --help`);
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
      if (key === 'waitFor') options.waitFor.push(value);
      else (options as unknown as Record<string, string>)[key] = value;
      continue;
    }
    if (verb === undefined && VERBS.has(arg)) {
      verb = arg as Verb;
      // `berth ctl …` is a client: its words are its own (src/cli/ctl-args.ts)
      if (verb === 'ctl') return { verb, options, command: argv.slice(i + 1) };
      continue;
    }
    break; // the first word that is neither a verb nor an option starts the command
  }
  const command = argv.slice(i);
  verb ??= 'run';
  if (command.length && verb !== 'run' && verb !== 'check' && verb !== 'plan') {
    throw new UsageError(`berth ${verb} takes no command (got "${command.join(' ')}")`);
  }
  for (const [key, verbs] of Object.entries(ONLY_FOR)) {
    if (options[key as keyof Options] === true && !verbs.includes(verb)) throw new UsageError(`--${key} goes with ${verbs.map((v) => `berth ${v}`).join(' or ')}`);
  }
  return { verb, options, command };
}

function suggest(name: string): string {
  const known = Object.keys(VALUE_OPTIONS).concat(['--json', '--version', '--help']);
  const near = known.find((k) => k.startsWith('--') && (k.startsWith(name) || distance(k, name) <= 2));
  return near ? ` (did you mean ${near}?)` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

export const HELP = `berth — a container entrypoint supervisor

Usage:
  berth [run] [options] [--] [COMMAND [ARG...]]   supervise (the default verb)
  berth check  [options] [--json]   validate config + preflight; starts nothing
  berth plan   [options] [--json]   print the resolved plan; starts nothing
  berth health [--ready-file PATH]  exit 0 when ready, 1 when not (HEALTHCHECK); finds the
                                    ready file as run does (-c, $BERTH_CONFIG: its readyFile)
  berth schema                      print the config's JSON Schema
  berth ctl VERB [ARG...]           talk to the berth running here (docker exec … berth ctl status):
    status [--json]                 every service, task and job: state, pid, uptime, restarts
    restart NAME...                 stop, start, wait until ready again (69 if not)
    stop NAME... | start NAME...    an operator's stop keeps the container up (and unready)
    signal SIG NAME...              e.g. berth ctl signal HUP nginx
    logs NAME [-n N] [--follow]     the last lines berth kept (masked), then new ones
    reload [--dry-run]              read the config again, check it as at start (php-fpm -tt,
                                    nginx -t …) while all runs; apply the difference, or 78
  berth --version | --help

Options:
  -c, --config FILE      config file (default: $BERTH_CONFIG, ./berth.yaml, ./berth.yml,
                         ./berth.json, /etc/berth/berth.yaml)
  --ready PROBE          readiness of the command's service: unix:/path, tcp:PORT,
                         tcp:HOST:PORT, http://..., file:/path
  --ready-timeout DUR    how long to wait for it (500ms, 10s, 5m; 0 waits forever)
  --ready-file PATH      where to write the ready file ($BERTH_READY_FILE)
  --control PATH         the control socket berth ctl talks to, or false ($BERTH_CONTROL;
                         default /run/berth/control.sock, /tmp/berth-UID/control.sock)
  --wait-for RESOURCE    wait for tcp://host:port, http(s)://..., unix:/path, file:/path
                         before anything starts (repeatable)
  --cwd DIR              working directory for the command and relative paths
  --stop-signal SIG      signal that stops the command's service (default SIGTERM)
  --stop-timeout DUR     grace before SIGKILL (default 8s)
  --log-format FORMAT    json | pretty | raw ($BERTH_LOG_FORMAT)
  --log-level LEVEL      trace | debug | info | warn | error ($BERTH_LOG_LEVEL)

Environment also: BERTH_TERMINATION_LOG=PATH|false, where berth writes why it ended
(default /dev/termination-log, where its directory may be written).

Flags beat environment beat the config file. The first word that is not a verb or an
option starts the command: \`berth php-fpm -F\`; \`berth -- check\` runs a program named check.
A berth started where a live one runs (its ready file or control socket) exits 78 at once,
touching nothing: use berth ctl.

Services (berth.yaml; every key: berth schema, docs/CONFIG.md) start by dependency level
(berth plan shows them) and stop the other way, side by side, each within its stopTimeout;
berth check warns when a chain of stopTimeouts exceeds shutdownTimeout. restart: on-failure
or always waits 1 s doubling to 30 s; a run of minUptime (10s) restarts at once, uncounted;
past maxRestarts (5 in 60 s, or unlimited) berth gives up with the last non-zero status, or 75.
forward: [SIGHUP] (or []) narrows which of HUP, USR1, USR2, WINCH reach a service.

Exit status: 0 clean stop; a service's or task's own status (128+signal when killed);
137 SIGKILLed at shutdown; 124 task timeout; 127/126 command not found/not executable;
69 not ready, unhealthy (restart: never) or waitFor timed out; 75 gave up restarting a
service whose runs ended 0; 64 usage; 78 config or preflight, or another berth running here;
70 berth's own bug.
berth ctl: 0 done; 64 unknown name (it lists what exists); 69 no berth answering at the
socket, or not ready again in time; 77 refused (only root and berth's own user may);
78 reload found problems in the config (nothing changed).
`;
