// What one key alone cannot say: commands that will not split, two mains, `after` that
// names nobody or goes round in a circle, two tasks with one name.
import type { Config } from './schema.js';
import type { Probe } from '../types.js';
import type { KeyPath } from './key-path.js';
import { splitShellWords } from './shell-words.js';
import { orderByAfter } from './order.js';
import { probeForReplica } from './probe.js';

export interface Finding {
  path: KeyPath;
  message: string;
}

function checkCommand(command: string | string[] | undefined, shell: boolean | undefined, path: KeyPath): Finding[] {
  if (command === undefined) return [];
  if (shell === true && Array.isArray(command)) {
    return [{ path: [...path, 'command'], message: 'with shell: true, write the command as one string for /bin/sh -c' }];
  }
  if (shell !== true && typeof command === 'string') {
    const r = splitShellWords(command);
    if (!r.ok) return [{ path: [...path, 'command'], message: r.message }];
  }
  return [];
}

export function checkConfig(config: Config): Finding[] {
  const findings: Finding[] = [];
  const taskNames = new Map<string, number>();
  (config.tasks ?? []).forEach((t, i) => {
    findings.push(...checkCommand(t.command, t.shell, ['tasks', i]));
    if (t.name === undefined) return;
    const first = taskNames.get(t.name);
    if (first !== undefined) findings.push({ path: ['tasks', i, 'name'], message: `"${t.name}" is already the name of tasks[${first}]` });
    else taskNames.set(t.name, i);
    // their lines, and the last lines a report quotes, are told apart by name
    if (config.services && Object.hasOwn(config.services, t.name)) findings.push({ path: ['tasks', i, 'name'], message: `"${t.name}" is already the name of a service; a task needs a name of its own` });
  });
  const services = Object.entries(config.services ?? {});
  for (const [name, s] of services) findings.push(...checkCommand(s.command, s.shell, ['services', name]));
  const mains = services.filter(([, s]) => s.main === true).map(([n]) => n);
  for (const name of mains.slice(1)) {
    findings.push({ path: ['services', name, 'main'], message: `only one service can be main; ${mains[0]} is main too` });
  }
  for (const [name, s] of services) {
    findings.push(...checkReplicaProbes(['services', name, 'ready'], s.ready, s.replicas ?? 1));
    findings.push(...checkReplicaProbes(['services', name, 'liveness', 'probe'], s.liveness?.probe, s.replicas ?? 1));
  }
  findings.push(...checkJobs(config, taskNames));
  const order = orderByAfter(services.map(([name, s]) => ({ name, after: s.after ?? [] })));
  if (!order.ok) for (const p of order.problems) findings.push({ path: ['services', p.name, 'after'], message: p.message });
  return findings;
}

/** tcp:6553{replica} is a port for replica 1 and none for replica 6: each replica's probe must parse. */
function checkReplicaProbes(path: KeyPath, probe: Probe | undefined, replicas: number): Finding[] {
  if (probe?.perReplica === undefined) return [];
  for (let n = 2; n <= replicas; n++) {
    const r = probeForReplica(probe, n);
    if (!r.ok) return [{ path, message: r.message }];
  }
  return [];
}

/** `berth ctl start NAME` and the log lines must tell a job from a service or a task. */
function checkJobs(config: Config, taskNames: Map<string, number>): Finding[] {
  const findings: Finding[] = [];
  for (const [name, j] of Object.entries(config.jobs ?? {})) {
    findings.push(...checkCommand(j.command, j.shell, ['jobs', name]));
    if (config.services && Object.hasOwn(config.services, name)) findings.push({ path: ['jobs', name], message: `"${name}" is already the name of a service; a job needs a name of its own` });
    const task = taskNames.get(name);
    if (task !== undefined) findings.push({ path: ['jobs', name], message: `"${name}" is already the name of tasks[${task}]; a job needs a name of its own` });
  }
  return findings;
}
