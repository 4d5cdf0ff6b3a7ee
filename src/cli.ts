// The only file that touches process.argv, process.env and process.exit.
import { onExit } from 'signal-exit';
import { HELP, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { liveChildren } from './children.js';
import { VERSION } from './version.js';

type Env = Record<string, string | undefined>;
const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

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
      return 0;
    case 'help':
      out(HELP);
      return 0;
    case 'schema': {
      const { configJsonSchema } = await import('./config/index.js');
      out(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    }
    case 'health': {
      const { checkHealth } = await import('./ready-file.js');
      const { defaultReadyFile } = await import('./plan.js');
      const file = args.options.readyFile ?? env.BERTH_READY_FILE ?? defaultReadyFile(process.getuid?.() ?? 0);
      const r = checkHealth(file);
      (r.ok ? out : err)(`berth health: ${r.reason}`);
      return r.ok ? 0 : 1;
    }
  }
  const commands = await import('./commands.js');
  const io = { cwd: process.cwd(), uid: process.getuid?.() ?? 0, stdoutIsTTY: Boolean(process.stdout.isTTY), stdinIsTTY: Boolean(process.stdin.isTTY), out, err };
  const plan = await commands.loadPlan(args, env, io);
  if (typeof plan === 'number') return plan;
  if (args.verb === 'plan' || args.verb === 'check') return commands.inspect(args, plan, io);
  return commands.run(plan, env, io);
}

function usage(message: string): number {
  err(`berth: ${message}`);
  return 64;
}

// If berth itself dies, its children must not be left behind.
onExit(() => {
  for (const pid of liveChildren()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`berth: internal error (a bug in berth, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(70);
  },
);
