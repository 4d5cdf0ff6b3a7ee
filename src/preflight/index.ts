// Layer preflight: everything that can be known before starting anything, reported together.
// May import plan, presets, os, types and errors.
// §3 step 2: everything that can be known before starting anything, reported together.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Plan, ProcessPlan, ServicePlan, UserSpec } from '../types.js';
import { resolveUser } from '../os/users.js';
import { dropConfigTests, inspectPresets } from '../presets/index.js';
import { unusedPresetWarnings } from '../presets/unused.js';
import { maskSecrets, orderServices, shellWarnings } from '../plan/index.js';
import { exists, isDir } from '../os/fs-checks.js';
import { cannotBecome, tooBigToExec } from './spawnable.js';
import { livenessWarnings } from '../plan/liveness.js';
import { stopChainWarning } from '../plan/levels.js';
import { EXIT } from '../errors.js';

export type ProblemKind = 'cwd' | 'requires' | 'not-found' | 'not-executable' | 'user' | 'exec' | 'preset' | 'order' | 'dirs';

export interface PreflightProblem {
  kind: ProblemKind;
  /** the task, service or job */
  name: string;
  message: string;
}

export interface PreflightResult {
  problems: PreflightProblem[];
  warnings: { name: string; message: string }[];
  /** the plan with preset defaults, inferred `after` edges and the new start order */
  plan: Plan;
  users: Map<string, UserSpec>;
}

export async function preflight(plan: Plan, opts: { signal?: AbortSignal } = {}): Promise<PreflightResult> {
  const problems: PreflightProblem[] = [];
  const warnings: { name: string; message: string }[] = [];
  const users = new Map<string, UserSpec>();
  const presets = await inspectPresets(plan.services, { signal: opts.signal });
  await dropConfigTests(); // what was started early and not taken (a command that differs from the plan's)
  for (const p of presets.problems) problems.push({ kind: 'preset', name: p.service, message: `${p.path}: ${p.message}` });
  for (const w of presets.warnings) warnings.push({ name: w.service, message: w.message });
  for (const w of unusedPresetWarnings(plan.services)) warnings.push({ name: w.service, message: w.message });
  let services: ServicePlan[] = presets.services;
  try {
    services = orderServices(services);
  } catch (err) {
    problems.push({ kind: 'order', name: 'services', message: (err as Error).message });
  }
  const slowStop = stopChainWarning(services, plan.shutdownTimeoutMs);
  if (slowStop) warnings.push({ name: 'shutdownTimeout', message: slowStop });
  for (const p of [...plan.tasks, ...services, ...(plan.jobs ?? [])]) {
    checkProcess(p, problems, users);
    for (const message of shellWarnings(p)) warnings.push({ name: p.name, message });
  }
  for (const s of services) {
    for (const message of livenessWarnings(s.liveness)) warnings.push({ name: s.name, message });
    if (s.liveness && !s.liveness.probe && !s.ready) problems.push({ kind: 'preset', name: s.name, message: 'liveness has no probe: the preset found no ready probe to use; give liveness.probe or ready' });
    for (const d of s.dirs) if (d.owner && !resolveUser(d.owner)) problems.push({ kind: 'user', name: s.name, message: `dirs ${d.path}: owner "${d.owner}" is not a known user (see /etc/passwd)` });
  }
  // messages name paths and commands, where an interpolated secret may sit
  const mask = <T extends { message: string }>(f: T): T => ({ ...f, message: maskSecrets(f.message, plan.secretValues) });
  return { problems: problems.map(mask), warnings: warnings.map(mask), plan: { ...plan, services }, users };
}

function checkProcess(p: ProcessPlan, problems: PreflightProblem[], users: Map<string, UserSpec>): void {
  const where = p.source ? ` (${p.source})` : '';
  if (!isDir(p.cwd)) {
    problems.push({ kind: 'cwd', name: p.name, message: `cwd ${p.cwd} does not exist or is not a directory${where}` });
    return; // requires and relative commands make no sense without it
  }
  for (const r of p.requires) {
    if (!exists(r)) problems.push({ kind: 'requires', name: p.name, message: `requires ${r}, which is missing in ${p.cwd}: is this the right directory?${where}` });
  }
  if (p.user) {
    const u = resolveUser(p.user);
    if (!u) problems.push({ kind: 'user', name: p.name, message: `user "${p.user}" does not exist (see /etc/passwd)${where}` });
    else {
      users.set(p.user, u);
      const denied = cannotBecome(u, p.user);
      if (denied) problems.push({ kind: 'user', name: p.name, message: `${denied}${where}` });
    }
  }
  const tooBig = tooBigToExec(p);
  if (tooBig) problems.push({ kind: 'exec', name: p.name, message: `${tooBig}${where}` });
  const found = findCommand(p.argv[0]!, p.env.PATH ?? '', p.cwd);
  if (found.kind === 'not-found') problems.push({ kind: 'not-found', name: p.name, message: `command "${p.argv[0]}" not found on PATH=${p.env.PATH ?? ''}${where}` });
  else if (found.kind === 'not-executable') problems.push({ kind: 'not-executable', name: p.name, message: `${found.path} ${found.why}${where}` });
}

export type CommandLookup = { kind: 'found'; path: string } | { kind: 'not-found' } | { kind: 'not-executable'; path: string; why: string };

/** The same search execve(p) will do on the child's PATH. */
export function findCommand(cmd: string, path: string, cwd: string): CommandLookup {
  const candidates = cmd.includes('/') ? [isAbsolute(cmd) ? cmd : resolve(cwd, cmd)] : path.split(delimiter).filter(Boolean).map((d) => join(resolve(cwd, d), cmd));
  let bad: CommandLookup | undefined;
  for (const c of candidates) {
    let st;
    try {
      st = statSync(c);
    } catch {
      continue;
    }
    if (st.isDirectory()) bad ??= { kind: 'not-executable', path: c, why: 'is a directory, not a program' };
    else if (!canExecute(c)) bad ??= { kind: 'not-executable', path: c, why: 'is not executable (chmod +x?)' };
    else return { kind: 'found', path: c };
  }
  return bad ?? { kind: 'not-found' };
}

function canExecute(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** §4: a lone command-not-found or not-executable keeps its shell status */
export function preflightStatus(problems: PreflightProblem[]): number {
  if (problems.length === 1 && problems[0]!.kind === 'not-found') return EXIT.NOT_FOUND;
  if (problems.length === 1 && problems[0]!.kind === 'not-executable') return EXIT.NOT_EXECUTABLE;
  return EXIT.CONFIG;
}
