// `berth plan`: the resolved plan for a person. Env keys, never their values.
import type { JobPlan, Plan, ProcessPlan, ServicePlan, TaskPlan } from '../types.js';
import { joinShellWords } from '../config/shell-words.js';
import { formatDuration } from '../config/duration.js';
import { maskSecrets } from './json.js';
import { describeProbe } from '../readiness/probes/describe.js';
import { FORWARDED_SIGNALS } from '../config/constants.js';
import { dependencyLevels } from './levels.js';

const row = (label: string, value: string) => `     ${label.padEnd(9)} ${value}`;
const list = (items: readonly string[]) => (items.length === 0 ? '(none)' : items.join(', '));

function processRows(p: ProcessPlan, mask: (s: string) => string): string[] {
  const rows = [row('cwd', mask(p.cwd)), row(p.shell ? 'shell' : 'run', mask(p.shell ? p.argv[2] ?? '' : joinShellWords(p.argv))), row('env', list(p.envKeys))];
  if (p.user !== undefined) rows.push(row('user', p.user));
  if (p.requires.length > 0) rows.push(row('requires', mask(list(p.requires))));
  if (p.source !== undefined) rows.push(row('from', mask(p.source)));
  return rows;
}

function taskLines(t: TaskPlan, i: number, mask: (s: string) => string): string[] {
  const limits = [
    t.timeoutMs === undefined ? 'no time limit' : `time limit ${formatDuration(t.timeoutMs)}`,
    t.retries === 0 ? 'no retries' : `${t.retries} ${t.retries === 1 ? 'retry' : 'retries'} ${formatDuration(t.retryDelayMs)} apart`,
    t.optional ? 'optional: a failure is logged and the rest go on' : 'must succeed',
  ];
  return [`  ${i + 1}. ${t.name}${t.skip ? ' (skipped: skip is true)' : ''}`, ...processRows(t, mask), row('then', limits.join(', '))];
}

/** A probe written with {replica} is shown as written: each replica has its own. */
function readyText(s: ServicePlan): string {
  const p = s.ready!;
  return typeof p.perReplica === 'string' ? `${p.perReplica.trim()} (replica 1: ${describeProbe(p)})` : describeProbe(p);
}

function serviceLines(s: ServicePlan, i: number, mask: (s: string) => string): string[] {
  const tags = [s.main ? 'main' : '', s.replicas !== undefined ? `${s.replicas} replica${s.replicas === 1 ? '' : 's'}, BERTH_REPLICA=1..${s.replicas}` : '', s.preset ? `preset ${s.preset}` : '', s.after.length ? `after ${s.after.join(', ')}` : ''].filter(Boolean);
  const within = s.readyTimeoutMs === 0 ? 'waiting forever' : `within ${formatDuration(s.readyTimeoutMs)}`;
  const limit = s.maxRestarts === 'unlimited' ? 'never giving up' : `at most ${s.maxRestarts} times in 60s`;
  const restart = s.restart === 'never' ? 'never (its exit stops the container)' : `${s.restart}, ${limit}; a run of ${formatDuration(s.minUptimeMs)} or more restarts at once, not counted`;

  const lines = [
    `  ${i + 1}. ${s.name}${tags.length ? ` (${tags.join('; ')})` : ''}`,
    ...processRows(s, mask),
    row('ready', s.ready ? `${mask(readyText(s))}, ${within}` : 'once started (no probe)'),
    row('stop', `${s.stopSignal}, then SIGKILL after ${formatDuration(s.stopTimeoutMs)}`),
    row('restart', restart),
  ];
  // the default, all four, goes without saying
  if (s.forward.length < FORWARDED_SIGNALS.length) lines.push(row('signals', s.forward.length === 0 ? 'none forwarded (forward: [])' : `only ${s.forward.join(', ')} forwarded`));
  for (const d of s.dirs) {
    const how = [d.owner, d.mode === undefined ? undefined : `0${d.mode.toString(8)}`].filter(Boolean).join(', ');
    lines.push(row('dir', mask(how ? `${d.path} (${how})` : d.path)));
  }
  return lines;
}

function jobLines(j: JobPlan, i: number, mask: (s: string) => string): string[] {
  const overlap = { skip: 'a run still going skips the next', allow: 'runs may overlap', replace: 'a new run stops the one still going' }[j.overlap];
  return [
    `  ${i + 1}. ${j.name}`,
    ...processRows(j, mask),
    row('schedule', `${j.schedule.kind === 'every' ? j.scheduleText : `"${j.scheduleText}"`}${j.schedule.kind === 'cron' ? ` in ${j.timezone}` : ''}, first once every service is ready`),
    row('then', [j.timeoutMs === undefined ? 'no time limit' : `time limit ${formatDuration(j.timeoutMs)}`, overlap].join(', ')),
  ];
}

export function formatPlan(plan: Plan): string {
  const mask = (s: string) => maskSecrets(s, plan.secretValues);
  const lines = [
    `config     ${mask(plan.configFile ?? '(none: the command alone)')}`,
    `paths      relative to ${mask(plan.baseDir)}`,
    `ready file ${plan.readyFile === false ? '(none)' : mask(plan.readyFile)}`,
    `log        ${plan.log.format}, level ${plan.log.level}`,
    `shutdown   within ${formatDuration(plan.shutdownTimeoutMs)}`,
  ];
  if (plan.waitFor.length > 0) lines.push(`wait for   ${mask(plan.waitFor.join(', '))} (up to ${plan.waitTimeoutMs === 0 ? 'forever' : formatDuration(plan.waitTimeoutMs)})`);
  if (plan.health) lines.push(`health     http://${plan.health.host}:${plan.health.port}/livez and /readyz`);
  if (plan.secretValues.length > 0) lines.push(`secrets    ${plan.secretValues.length} value(s), shown as *** in child output`);
  lines.push('', plan.tasks.length ? 'tasks, in order:' : 'tasks: none');
  plan.tasks.forEach((t, i) => lines.push(...taskLines(t, i, mask)));
  if (plan.services.length === 0) lines.push('', 'services: none (berth runs the tasks, then exits)');
  else {
    lines.push('', 'services, by dependency level (each starts once those it comes after are ready; one level starts side by side; stopping goes the other way):');
    dependencyLevels(plan.services).forEach((names, i) => lines.push(`  level ${i + 1}  ${names.join(', ')}`));
    lines.push('');
    plan.services.forEach((s, i) => lines.push(...serviceLines(s, i, mask)));
  }
  if (plan.jobs?.length) {
    lines.push('', 'jobs:');
    plan.jobs.forEach((j, i) => lines.push(...jobLines(j, i, mask)));
  }
  return lines.join('\n') + '\n';
}
