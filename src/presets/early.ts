// A preset's config test started before the preflight asks for it. `php-fpm -tt` is the
// longest step between reading a config and starting php-fpm (~50 ms: it loads all of PHP),
// and it needs only a command, a directory and an environment, all known once the YAML is
// read. So berth may start it while zod validates the config and the supervisor sets up;
// the preflight then takes its result instead of running it again, but only for the very
// same command, directory and environment, and only a success (a failure is run again where
// it would have run). What the preflight does not take is killed when it ends.
import { captureCommand, type Captured } from '../process/capture.js';

interface Started {
  result: Promise<Captured>;
  abort: AbortController;
}

export interface TestInvocation {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

const started = new Map<string, Started>();

function keyOf(argv: readonly string[], cwd: string | undefined, env: Record<string, string> | undefined): string {
  const vars = Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([argv, cwd ?? '', vars]);
}

/** Starts a config test now (output on files, as runConfigTest runs it); a second start of the same one is a no-op. */
export function startConfigTest(t: TestInvocation): void {
  const key = keyOf(t.argv, t.cwd, t.env);
  if (started.has(key)) return;
  const abort = new AbortController();
  started.set(key, { abort, result: captureCommand(t.argv, { cwd: t.cwd, env: t.env, timeoutMs: t.timeoutMs, signal: abort.signal, files: true }) });
}

/**
 * The result of the same test started earlier, taken once; undefined when none was. Aborting
 * `signal` (a stop during the preflight) kills it, as it would kill a test started now.
 */
export function takeConfigTest(argv: readonly string[], opts: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal }): Promise<Captured> | undefined {
  const key = keyOf(argv, opts.cwd, opts.env);
  const s = started.get(key);
  if (!s) return undefined;
  started.delete(key);
  if (opts.signal?.aborted) s.abort.abort();
  else opts.signal?.addEventListener('abort', () => s.abort.abort(), { once: true });
  return s.result;
}

/** Kills every test started early and not taken, and waits until each has exited and its files are gone. */
export async function dropConfigTests(): Promise<void> {
  const left = [...started.values()];
  started.clear();
  for (const s of left) s.abort.abort();
  await Promise.all(left.map((s) => s.result));
}

/** How many started tests are still to be taken (for tests). */
export const pendingConfigTests = (): number => started.size;
