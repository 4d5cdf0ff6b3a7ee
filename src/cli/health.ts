// `berth health` (a HEALTHCHECK): finds the ready file as `berth run` does (CONTRACT §5):
// --ready-file, $BERTH_READY_FILE, the config file's readyFile (the same search: -c,
// $BERTH_CONFIG, ./berth.yaml, …, read leniently), then the default.
import path from 'node:path';
import { findConfigFile } from '../config/find.js';
import { peekPath } from '../config/peek.js';
import { checkHealth } from '../readiness/ready-file.js';
import { defaultReadyFile } from '../plan/defaults.js';
import { EXIT } from '../errors.js';

type Env = Record<string, string | undefined>;

export interface HealthIo {
  cwd: string;
  uid: number;
  out(s: string): void;
  err(s: string): void;
}

/** The ready file `berth run` would write with these options, env and config; false for none. */
export function readyFilePath(options: { readyFile?: string; config?: string }, env: Env, io: Pick<HealthIo, 'cwd' | 'uid'>): string | false {
  const given = options.readyFile ?? (env.BERTH_READY_FILE || undefined);
  if (given !== undefined) return given === 'false' ? false : path.resolve(io.cwd, given);
  let file: string | undefined;
  try {
    file = findConfigFile({ explicit: options.config, env, cwd: io.cwd });
  } catch {
    file = undefined; // a named file that is missing: the default is the best guess
  }
  const fromFile = file ? peekPath(file, 'readyFile', env) : undefined;
  return fromFile ?? defaultReadyFile(io.uid);
}

export function health(options: { readyFile?: string; config?: string }, env: Env, io: HealthIo): number {
  const file = readyFilePath(options, env, io);
  if (file === false) {
    io.err('berth health: the ready file is turned off (readyFile: false), so nothing can say berth is ready; use health.listen and GET /readyz, or turn the ready file on');
    return EXIT.UNHEALTHY;
  }
  const r = checkHealth(file);
  (r.ok ? io.out : io.err)(`berth health: ${r.reason}`);
  return r.ok ? EXIT.OK : EXIT.UNHEALTHY;
}
