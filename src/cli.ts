// The only file that touches process.argv, process.env and process.exit.
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { onExit } from 'signal-exit';
import { HELP, parseArgs, type ParsedArgs } from './cli/args.js';
import { setNativeDir } from './os/koffi.js';
import { selfCommand } from './os/sea.js';
import { liveChildren } from './process/children.js';
import { sendSignal } from './os/kill.js';
import { VERSION } from './version.js';
import type { Launcher } from './process/child.js';
import type { Env } from './types.js';
import { EXIT, UsageError } from './errors.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
const errNow = (s: string): void => {
  try {
    writeSync(2, s.endsWith('\n') ? s : `${s}\n`);
  } catch {
    // a stderr that is full or gone: nothing more to tell
  }
};

async function main(argv: string[], env: Env): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  switch (args.verb) {
    case 'version':
      out(VERSION);
      return EXIT.OK;
    case 'help':
      out(HELP);
      return EXIT.OK;
    case 'schema': {
      const { configJsonSchema } = await import('./config/index.js');
      out(JSON.stringify(configJsonSchema(), null, 2));
      return EXIT.OK;
    }
    case 'health': {
      const { health } = await import('./cli/health.js');
      return health({ readyFile: args.options.readyFile, config: args.options.config }, env, { cwd: process.cwd(), uid: process.getuid?.() ?? 0, out, err });
    }
    case 'ctl': {
      const { ctl } = await import('./cli/ctl.js');
      return ctl(args.command, { control: args.options.control, config: args.options.config }, env, { cwd: process.cwd(), uid: process.getuid?.() ?? 0, out, err });
    }
  }
  const commands = await import('./cli/commands.js');
  const io = { cwd: process.cwd(), uid: process.getuid?.() ?? 0, stdoutIsTTY: Boolean(process.stdout.isTTY), stdinIsTTY: isatty(0) /* process.stdin would open a stream for nothing */, launcher, out, err, errNow };
  const plan = await commands.loadPlan(args, env, io, { early: true });
  if (typeof plan === 'number') return plan;
  if (args.verb === 'plan' || args.verb === 'check') return commands.inspect(args, plan, io);
  return commands.run(plan, env, io, () => commands.rereadPlan(args, env, io));
}

// The service that gets the terminal starts as berth again (the executable, or node and
// bin/berth.js) with a hidden verb (never in --help): it moves into a process group of its own, takes the terminal
// and execs the command (src/pid1/tty.ts execInForeground). Node cannot do that between fork
// and exec, and setpgid from berth after the exec fails. The launcher's own Node must
// not load the service's NODE_OPTIONS (a --require of the app's): set aside, and
// restored for the command.
const EXEC_FOREGROUND = '__exec-foreground';
const SAVED_NODE_OPTIONS = 'BERTH_SAVED_NODE_OPTIONS';

const launcher: Launcher = {
  get argv() {
    return [...selfCommand(), EXEC_FOREGROUND];
  },
  env({ NODE_OPTIONS, ...env }) {
    return NODE_OPTIONS === undefined ? env : { ...env, [SAVED_NODE_OPTIONS]: NODE_OPTIONS };
  },
};

/** returns only when the exec failed: 127 when not found, else 126 (as a shell, as tini) */
async function execForeground(command: string[]): Promise<number> {
  const saved = process.env[SAVED_NODE_OPTIONS];
  delete process.env[SAVED_NODE_OPTIONS];
  if (saved !== undefined) process.env.NODE_OPTIONS = saved; // setenv(): execvp passes it on
  const { execInForeground } = await import('./pid1/tty.js');
  const failed = execInForeground(command);
  err(`berth: ${command[0] ?? '(no command)'}: ${failed.code}`);
  return failed.code === 'ENOENT' ? EXIT.NOT_FOUND : EXIT.NOT_EXECUTABLE;
}

function usage(message: string): number {
  err(`berth: ${message}`);
  return EXIT.USAGE;
}

const argv = process.argv.slice(2);
// the single executable writes koffi's native module there when /tmp will not do
setNativeDir(process.env.BERTH_NATIVE_DIR);
const foregroundCommand = argv[0] === EXEC_FOREGROUND ? argv.slice(1) : undefined;

// If berth itself dies (a signal it does not handle, as during `berth check`, or a bug), its
// children must not be left behind: services, tasks, config tests, probes, each a group.
if (!foregroundCommand) {
  onExit(() => {
    for (const pid of liveChildren()) sendSignal(-pid, 'SIGKILL');
  });
}

(foregroundCommand ? execForeground(foregroundCommand) : main(argv, process.env)).then(
  (code) => process.exit(code),
  async (e: unknown) => {
    const { sourceStack } = await import('./output/stack.js');
    err(`berth: internal error (a bug in berth, please report it): ${e instanceof Error ? sourceStack(e.stack ?? e.message) : String(e)}`);
    process.exit(EXIT.INTERNAL);
  },
);
