// One task's or service's process: argv, cwd, env, user, requires, where it was written.
import path from 'node:path';
import type { Env, Probe, ProcessPlan } from '../types.js';
import { splitShellWords } from '../config/shell-words.js';
import { NAME_MAX } from '../config/constants.js';
import type { LoadedConfig } from '../config/load.js';
import { displayFile } from '../config/errors.js';
import { displayPath, type KeyPath } from '../config/key-path.js';
import { mergeEnv } from './env.js';

export interface PlanContext {
  loaded?: LoadedConfig;
  cwd: string; // berth's own working directory: where a process runs unless it says
  dir: string; // where relative paths in the config resolve: the config's dir, else cwd
  env: Env; // berth's own environment
}

/** `shell: true` → sh -c; a string → shell words; a list → exactly that argv. */
export function toArgv(command: string | string[], shell: boolean): string[] {
  if (Array.isArray(command)) return command;
  if (shell) return ['/bin/sh', '-c', command];
  const r = splitShellWords(command);
  return r.ok ? r.argv : [command]; // checked at load: this is only reached for text it split
}

/** "berth.yaml:12:3 services.app", for messages about this process. */
export function sourceOf(ctx: PlanContext, keyPath: KeyPath): string | undefined {
  if (!ctx.loaded) return undefined;
  const w = ctx.loaded.where(keyPath);
  const at = `${displayFile(ctx.loaded.file, ctx.cwd)}${w.line !== undefined ? `:${w.line}:${w.col}` : ''}`;
  return `${at} ${displayPath(keyPath)}`;
}

export interface ProcessInput {
  name: string;
  argv: string[];
  shell: boolean;
  cwd?: string; // as written, or already absolute
  env?: Record<string, string>;
  user?: string;
  requires?: string[];
  keyPath?: KeyPath;
}

/** where a process runs: berth's own directory, or what it wrote, against the config's directory */
export function processCwd(ctx: PlanContext, cwd: string | undefined): string {
  return cwd === undefined ? ctx.cwd : path.resolve(ctx.dir, cwd);
}

export function processPlan(ctx: PlanContext, p: ProcessInput): ProcessPlan {
  const cwd = processCwd(ctx, p.cwd);
  const { env, envKeys } = mergeEnv({
    inherited: ctx.env,
    envFile: ctx.loaded?.envFileVars,
    top: ctx.loaded?.config.env,
    own: p.env,
    secrets: ctx.loaded?.secrets,
  });
  const plan: ProcessPlan = {
    name: p.name,
    argv: p.argv,
    shell: p.shell,
    cwd,
    env,
    envKeys,
    requires: (p.requires ?? []).map((r) => path.resolve(cwd, r)), // "must exist in cwd"
  };
  if (p.user !== undefined) plan.user = p.user;
  const source = p.keyPath ? sourceOf(ctx, p.keyPath) : undefined;
  if (source !== undefined) plan.source = source;
  return plan;
}

/** Relative socket and file paths in a probe resolve like every path in the config. */
export function resolveProbe(probe: Probe, dir: string): Probe {
  return probe.kind === 'unix' || probe.kind === 'file' ? { ...probe, path: path.resolve(dir, probe.path) } : probe;
}

/** A program's name as a service name: /usr/sbin/php-fpm8.2 → php-fpm8.2. */
export function nameFromProgram(program: string): string {
  const base = path.basename(program).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, NAME_MAX - 4); // room for -2 …
  return base === '' ? 'main' : base;
}
