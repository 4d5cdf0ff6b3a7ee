// Which config file to load (CONTRACT §1): -c, $BERTH_CONFIG, ./berth.yaml, ./berth.yml,
// ./berth.json, /etc/berth/berth.yaml. Asked for by name and missing is an error.
import type { Env } from '../types.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

export const SEARCHED = ['berth.yaml', 'berth.yml', 'berth.json'];
export const SYSTEM_CONFIG = '/etc/berth/berth.yaml';

export interface FindOptions {
  explicit?: string; // -c/--config
  env: Env;
  cwd: string;
  systemFile?: string; // tests point this elsewhere
}

function mustExist(file: string, from: string): string {
  if (!existsSync(file)) throw new ConfigError([{ path: from, message: `config file not found: ${file}` }]);
  if (statSync(file).isDirectory()) throw new ConfigError([{ path: from, message: `${file} is a directory; expected a config file` }]);
  return file;
}

/** The config file's absolute path, or undefined when there is none (run the command alone). */
export function findConfigFile(opts: FindOptions): string | undefined {
  if (opts.explicit !== undefined && opts.explicit !== '') return mustExist(path.resolve(opts.cwd, opts.explicit), '--config');
  const fromEnv = opts.env.BERTH_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return mustExist(path.resolve(opts.cwd, fromEnv), 'BERTH_CONFIG');
  const candidates = [...SEARCHED.map((f) => path.join(opts.cwd, f)), opts.systemFile ?? SYSTEM_CONFIG];
  return candidates.find((f) => existsSync(f));
}
