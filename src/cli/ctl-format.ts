// `berth ctl status` as a table for a person; --json gives the same facts as data.
import type { JobStatus, ReloadOutcome, ServiceStatus, StatusSnapshot, TaskStatus } from '../control/target.js';
import { isoTime } from '../output/iso-time.js';

/** What a reload found, would do (--dry-run) or did. */
export function formatReload(r: ReloadOutcome): string {
  if (r.problems.length) return `nothing changed; the configuration has ${r.problems.length} problem(s):\n${r.problems.map((p) => `  ${p}`).join('\n')}`;
  const jobVerb = (c: ReloadOutcome['changes'][number]) =>
    c.change === 'removed' ? 'unschedule (a run going now finishes)' : c.change === 'added' ? 'schedule' : c.change === 'unchanged' ? 'untouched' : 'schedule anew from now';
  const verb = (c: ReloadOutcome['changes'][number]) =>
    c.kind === 'job' ? jobVerb(c) : c.change === 'removed' ? 'stop' : c.change === 'added' ? 'start' : c.change === 'unchanged' ? 'untouched' : c.action === 'reload' ? 'reload in place (SIGHUP)' : c.action === 'update' ? 'update settings (same process)' : 'restart';
  const lines = r.changes.map((c) => `  ${c.kind === 'job' ? 'job ' : ''}${c.name}: ${verb(c)}${c.why?.length ? ` (${c.why.join(', ')} changed)` : ''}`);
  const head = r.dryRun ? 'berth ctl reload --dry-run: the configuration is valid; a reload would:' : 'reloaded:';
  const applied = r.applied.filter((a) => !a.ok).map((a) => `  not ready: ${a.message}`);
  const fixed = r.needsRestart.map((n) => `  needs a container restart: ${n}`);
  return [head, ...lines, ...applied, ...fixed].join('\n');
}

export function formatStatus(s: StatusSnapshot, now: number): string {
  const out: string[] = [];
  const b = s.berth;
  const mem = b.memory ? `, ${mib(b.memory.rssBytes)} MiB RSS (heap ${mib(b.memory.heapUsedBytes)} MiB)` : '';
  out.push(`berth ${b.version}, pid ${b.pid}, up ${duration(b.uptimeMs)}, ${b.phase}, ${b.ready ? 'ready' : 'NOT READY'}${mem}${b.configFile ? ` (${b.configFile})` : ''}`);
  if (s.services.length) {
    const liveness = s.services.some((r) => r.liveness);
    out.push('');
    out.push(
      ...table([
        ['SERVICE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'READY', ...(liveness ? ['LIVENESS'] : []), 'REASON'],
        ...s.services.map((r) => [name(r), r.state, r.pid ?? '-', r.uptimeMs === null ? '-' : duration(r.uptimeMs), r.restarts, lastExit(r, now), r.ready ? 'yes' : 'no', ...(liveness ? [r.liveness?.state ?? '-'] : []), r.reason]),
      ]),
    );
  }
  if (s.tasks.length) {
    out.push('');
    out.push(...table([['TASK', 'STATE', 'STATUS', 'TOOK', 'RESULT'], ...s.tasks.map((t: TaskStatus) => [t.name, t.state, t.status ?? '-', t.durationMs === null ? '-' : duration(t.durationMs), t.reason ?? '-'])]));
  }
  if (s.jobs.length) {
    out.push('');
    out.push(...table([['JOB', 'SCHEDULE', 'LAST RUN', 'STATUS', 'TOOK', 'NEXT RUN', 'RUNNING'], ...s.jobs.map((j) => jobRow(j, now))]));
  }
  return out.join('\n');
}

const name = (r: ServiceStatus) => (r.replica === undefined ? r.name : `${r.name}:${r.replica}`);

function lastExit(r: ServiceStatus, now: number): string {
  const e = r.lastExit;
  if (!e) return '-';
  return `${e.signal ?? `code ${e.code}`} ${duration(now - e.at)} ago`;
}

/** a job's row: when it last ran and how it ended, when it runs next, its runs going now */
function jobRow(j: JobStatus, now: number): string[] {
  const last = j.lastRun as { startedAt: number; durationMs: number; status: number; timedOut: boolean } | null;
  const next = typeof j.nextRun === 'number' ? j.nextRun : null;
  const schedule = `${cell(j.schedule)}${j.timezone && j.timezone !== 'UTC' && !String(j.schedule).startsWith('@every') ? ` (${cell(j.timezone)})` : ''}`;
  const running = Array.isArray(j.running) && j.running.length ? `pid ${j.running.join(', ')}` : '-';
  return [
    j.name,
    schedule,
    last ? `${duration(now - last.startedAt)} ago` : 'never',
    last ? (last.timedOut ? `${last.status} (timed out)` : String(last.status)) : '-',
    last ? duration(last.durationMs) : '-',
    next === null ? '-' : `in ${duration(next - now)} (${isoTime(next).replace(/\.\d+Z$/, 'Z')})`,
    running,
  ];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function table(rows: (string | number)[][]): string[] {
  const text = rows.map((r) => r.map(String));
  const widths = text[0]!.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** 950ms, 42s, 5m12s, 3h04m, 2d05h */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
