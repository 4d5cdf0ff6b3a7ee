// `berth ctl reload` (CONTRACT §10): the config read again and checked as at start (load,
// preflight, the presets' own tests) while everything runs; any problem and nothing changes.
// Otherwise the difference is applied in dependency order: removed services stop, added ones
// start, changed ones restart (a preset whose only change is its config file is reloaded in
// place: nginx with SIGHUP), unchanged ones are not touched. Jobs likewise: a removed one is
// no longer scheduled (a run going now finishes), an added one is scheduled from now, a
// changed one is scheduled anew from now with its new plan (a run going now finishes, and
// the next meets it as `overlap` says); an unchanged one keeps its next time.
import type { EventLog, JobPlan, Plan, ServicePlan, UserSpec } from '../types.js';
import type { Jobs } from '../jobs/index.js';
import type { ReloadChange, ReloadOutcome } from '../control/target.js';
import { preflight } from '../preflight/index.js';
import { ensureDirs } from '../preflight/dirs.js';
import { isDir } from '../os/fs-checks.js';
import { resolve } from 'node:path';
import { expandReplicas } from './replicas.js';
import { untilReady } from './operator.js';
import type { Service } from './service.js';

export interface ReloadDeps {
  log: EventLog;
  /** the config file read again, with berth's own flags and environment */
  reread(): Promise<Plan | { problems: string[] }>;
  /** the plan berth runs (after preflight) */
  current(): Plan;
  adopt(plan: Plan): void;
  /** the live list of services (shutdown and the ready file read it): changed in place */
  services: Service[];
  make(plan: ServicePlan): Service;
  /** the scheduled jobs: a reload adds, removes and changes them */
  jobs: Jobs;
  users: Map<string, UserSpec>;
  stopping(): boolean;
}

/** process settings: a change needs a new process */
const SPAWN_KEYS = ['argv', 'shell', 'cwd', 'env', 'user', 'requires', 'preset', 'ready', 'liveness', 'replica'] as const;
/** settings berth reads as it goes: a change is taken over without touching the process */
const LIVE_KEYS = ['readyTimeoutMs', 'stopSignal', 'stopTimeoutMs', 'restart', 'maxRestarts', 'minUptimeMs', 'forward', 'main', 'after'] as const;
/** top-level settings only a new berth takes */
const FIXED_KEYS = ['readyFile', 'health', 'control', 'log', 'shutdownTimeoutMs', 'drain', 'drainMs', 'terminationLog', 'waitFor', 'waitTimeoutMs'] as const;
/** a job's settings: any change makes it scheduled anew, from now */
const JOB_KEYS = ['argv', 'shell', 'cwd', 'env', 'user', 'requires', 'schedule', 'timezone', 'overlap', 'timeoutMs'] as const;

export function createReload(d: ReloadDeps): (dryRun: boolean) => Promise<ReloadOutcome> {
  return async (dryRun) => {
    const outcome: ReloadOutcome = { ok: false, dryRun, problems: [], changes: [], needsRestart: [], applied: [] };
    const fail = (problems: string[]) => {
      outcome.problems = problems;
      d.log.error('reload.failed', { problems }, `reload refused, nothing changed: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
      return outcome;
    };
    const read = await d.reread();
    if ('problems' in read) return fail(read.problems.length ? read.problems : ['the config could not be read']);
    const checked = await preflight(read);
    const old = d.current();
    const problems = checked.problems.map((p) => `${p.name}: ${p.message}`);
    if (!sameSecrets(old, checked.plan)) problems.push('secrets: their values changed; berth masks the values it read at start, so new ones need a container restart');
    if (problems.length) return fail(problems);
    for (const w of checked.warnings) d.log.warn('preflight.warning', { name: w.name }, `${w.name}: ${w.message}`);

    const before = expandReplicas(old.services, old.baseDir);
    const after = expandReplicas(checked.plan.services, checked.plan.baseDir);
    outcome.changes = [...diff(before, after), ...diffJobs(old.jobs ?? [], checked.plan.jobs ?? [])];
    outcome.needsRestart = fixedChanges(old, checked.plan);
    outcome.ok = true;
    if (dryRun) {
      d.log.info('reload.checked', summary(outcome), `reload --dry-run: ${describe(outcome)}`);
      return outcome;
    }
    for (const [k, v] of checked.users) d.users.set(k, v);
    await apply(d, outcome, before, after);
    applyJobs(d, outcome, checked.plan.jobs ?? []);
    d.adopt({ ...checked.plan, ...Object.fromEntries(FIXED_KEYS.map((k) => [k, (old as unknown as Record<string, unknown>)[k]])), secretValues: old.secretValues, tasks: checked.plan.tasks });
    outcome.ok = outcome.applied.every((a) => a.ok);
    d.log.info('reload.done', { ...summary(outcome), applied: outcome.applied }, `reload done: ${describe(outcome)}`);
    return outcome;
  };
}

async function apply(d: ReloadDeps, outcome: ReloadOutcome, before: ServicePlan[], after: ServicePlan[]): Promise<void> {
  const change = new Map(outcome.changes.filter((c) => c.kind === 'service').map((c) => [c.name, c]));
  const find = (name: string) => d.services.find((s) => s.name === name);
  // 1. stop what goes or restarts, dependents first (the reverse of the old start order)
  for (const p of [...before].reverse()) {
    const c = change.get(p.name)!;
    if (c.change !== 'removed' && !(c.change === 'changed' && c.action === 'restart')) continue;
    const svc = find(p.name);
    if (!svc) continue;
    await svc.operatorStop();
    if (c.change === 'removed') outcome.applied.push({ name: p.name, action: 'stopped', ok: true, message: `${p.name} stopped (removed from the config)` });
  }
  // 2. the new list, in the new start order; what stays keeps its Service (and process)
  const next: Service[] = [];
  const fresh: Service[] = [];
  for (const p of after) {
    const c = change.get(p.name)!;
    const existing = find(p.name);
    if (existing && (c.change === 'unchanged' || c.action === 'reload' || c.action === 'update')) {
      existing.adoptPlan(p);
      if (c.action === 'reload') {
        const sent = existing.forward('SIGHUP');
        outcome.applied.push({ name: p.name, action: 'restarted', ok: sent, message: sent ? `${p.name}: its configuration changed; sent SIGHUP (reloaded in place, pid ${existing.child?.pid})` : `${p.name} is not running; nothing to reload` });
      }
      next.push(existing);
    } else {
      const svc = d.make(p);
      fresh.push(svc);
      next.push(svc);
    }
  }
  d.services.splice(0, d.services.length, ...next);
  // what start creates before a service runs: its dirs (a failure is the start's to report)
  ensureDirs(fresh.map((s) => s.plan), d.log);
  // 3. start what is new or changed, each once what it comes after is ready
  await Promise.all(
    fresh.map(async (svc) => {
      const c = change.get(svc.name)!;
      await depsReady(svc, next, d.stopping);
      if (d.stopping()) return;
      svc.operatorStart();
      const r = await untilReady(svc, d.stopping, c.change === 'added' ? 'started' : 'restarted');
      outcome.applied.push({ name: svc.name, action: c.change === 'added' ? 'started' : 'restarted', ok: r.ok, message: r.message });
    }),
  );
}

/** Jobs have no order among themselves or with services: each change applied at once. */
function applyJobs(d: ReloadDeps, outcome: ReloadOutcome, next: JobPlan[]): void {
  const plans = new Map(next.map((p) => [p.name, p]));
  for (const c of outcome.changes) {
    if (c.kind !== 'job') continue;
    const plan = plans.get(c.name);
    if (c.change === 'removed') {
      const going = d.jobs.status().find((j) => j.name === c.name)?.running ?? [];
      void d.jobs.remove(c.name);
      outcome.applied.push({ name: c.name, action: 'stopped', ok: true, message: going.length ? `job ${c.name} removed from the schedule; its run going now (pid ${going.join(', ')}) is let finish` : `job ${c.name} removed from the schedule` });
    } else if (c.change === 'added') {
      d.jobs.add(plan!);
      outcome.applied.push({ name: c.name, action: 'started', ok: true, message: `job ${c.name} scheduled (${plan!.scheduleText})` });
    } else if (c.change === 'changed') {
      d.jobs.change(plan!);
      outcome.applied.push({ name: c.name, action: 'restarted', ok: true, message: `job ${c.name} scheduled anew from now with its new settings (${c.why!.join(', ')})` });
    }
  }
}

/** Each job of the old and the new plan: removed, added, changed (any setting), unchanged. */
export function diffJobs(before: JobPlan[], after: JobPlan[]): ReloadChange[] {
  const old = new Map(before.map((p) => [p.name, p]));
  const out: ReloadChange[] = before.filter((p) => !after.some((n) => n.name === p.name)).map((p) => ({ name: p.name, kind: 'job', change: 'removed' }));
  for (const p of after) {
    const o = old.get(p.name);
    if (!o) {
      out.push({ name: p.name, kind: 'job', change: 'added' });
      continue;
    }
    const why = JOB_KEYS.filter((k) => !same(o[k], p[k]));
    out.push(why.length ? { name: p.name, kind: 'job', change: 'changed', why, action: 'restart' } : { name: p.name, kind: 'job', change: 'unchanged' });
  }
  return out;
}

function depsReady(svc: Service, all: Service[], stopping: () => boolean): Promise<void> {
  const deps = all.filter((s) => svc.plan.after.includes(s.name));
  return new Promise((resolve) => {
    const check = () => {
      if (stopping() || deps.every((s) => s.state === 'ready' || s.state === 'stopped' || s.state === 'exited')) {
        offs.forEach((off) => off());
        resolve();
      }
    };
    const offs = deps.map((s) => s.onStateChange(check));
    check();
  });
}

/** Each service of the old and the new plan: removed, added, changed (and how), unchanged. */
export function diff(before: ServicePlan[], after: ServicePlan[]): ReloadChange[] {
  const old = new Map(before.map((p) => [p.name, p]));
  const out: ReloadChange[] = [];
  for (const p of before) if (!after.some((n) => n.name === p.name)) out.push({ name: p.name, kind: 'service', change: 'removed' });
  for (const p of after) {
    const o = old.get(p.name);
    if (!o) {
      out.push({ name: p.name, kind: 'service', change: 'added' });
      continue;
    }
    const spawn: string[] = SPAWN_KEYS.filter((k) => !same(o[k], p[k]));
    if (!same(dirsThatMatter(o), dirsThatMatter(p))) spawn.push('dirs');
    const live = LIVE_KEYS.filter((k) => !same(o[k], p[k]));
    const inputs = o.presetInputs !== p.presetInputs;
    if (spawn.length === 0 && live.length === 0 && !inputs) {
      out.push({ name: p.name, kind: 'service', change: 'unchanged' });
      continue;
    }
    const why = [...spawn, ...live, ...(inputs ? [`${p.preset} configuration`] : [])];
    // nginx re-reads its files on SIGHUP, without dropping a connection; php-fpm is restarted
    const action = spawn.length > 0 || (inputs && p.preset !== 'nginx') ? 'restart' : inputs ? 'reload' : 'update';
    out.push({ name: p.name, kind: 'service', change: 'changed', why, action });
  }
  return out;
}

/**
 * A preset adds its socket's directory only while it is missing (it exists once php-fpm runs):
 * a directory that exists, with no owner or mode to set, is the same whether listed or not.
 */
function dirsThatMatter(p: ServicePlan) {
  return p.dirs.filter((d) => d.mode !== undefined || d.owner !== undefined || !isDir(d.path)).map((d) => ({ ...d, path: resolve(d.path) }));
}

function fixedChanges(old: Plan, next: Plan): string[] {
  const out: string[] = FIXED_KEYS.filter((k) => !same((old as unknown as Record<string, unknown>)[k], (next as unknown as Record<string, unknown>)[k])).map((k) => `${k.replace(/Ms$/, '')}: takes effect when the container restarts`);
  if (!same(old.tasks, next.tasks)) out.push('tasks: they run once, at start; the changed ones run when the container restarts');
  return out;
}

function sameSecrets(a: Plan, b: Plan): boolean {
  return same([...a.secretValues].sort(), [...b.secretValues].sort());
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function summary(o: ReloadOutcome) {
  const names = (kind: ReloadChange['kind'], pred: (c: ReloadChange) => boolean) => o.changes.filter((c) => c.kind === kind && pred(c)).map((c) => c.name);
  const service = (pred: (c: ReloadChange) => boolean) => names('service', pred);
  const job = (change: ReloadChange['change']) => names('job', (c) => c.change === change);
  return {
    dryRun: o.dryRun,
    removed: service((c) => c.change === 'removed'),
    added: service((c) => c.change === 'added'),
    restarted: service((c) => c.action === 'restart'),
    reloaded: service((c) => c.action === 'reload'),
    updated: service((c) => c.action === 'update'),
    unchanged: service((c) => c.change === 'unchanged'),
    jobs: { removed: job('removed'), added: job('added'), changed: job('changed'), unchanged: job('unchanged') },
    needsRestart: o.needsRestart,
  };
}

function describe(o: ReloadOutcome): string {
  const s = summary(o);
  const parts = [
    s.removed.length && `stop ${s.removed.join(', ')}`,
    s.added.length && `start ${s.added.join(', ')}`,
    s.restarted.length && `restart ${s.restarted.join(', ')}`,
    s.reloaded.length && `reload ${s.reloaded.join(', ')} in place`,
    s.updated.length && `update ${s.updated.join(', ')} (no new process)`,
    s.unchanged.length && `leave ${s.unchanged.join(', ')} untouched`,
    s.jobs.removed.length && `unschedule job(s) ${s.jobs.removed.join(', ')} (a run going now finishes)`,
    s.jobs.added.length && `schedule job(s) ${s.jobs.added.join(', ')}`,
    s.jobs.changed.length && `schedule job(s) ${s.jobs.changed.join(', ')} anew from now`,
    s.jobs.unchanged.length && `leave job(s) ${s.jobs.unchanged.join(', ')} untouched`,
  ].filter(Boolean);
  const fixed = o.needsRestart.length ? `; needs a container restart: ${o.needsRestart.join('; ')}` : '';
  return `${parts.join('; ') || 'nothing changed'}${fixed}`;
}
