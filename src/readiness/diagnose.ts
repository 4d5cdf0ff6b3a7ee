// What berth saw when a service did not become ready, or daemonized itself: a message a
// person can act on, and the same facts as fields.
import type { Probe } from '../types.js';
import { allProcesses, commandOf, processInfo, readProcessTree, type ProcessInfo } from '../os/proc.js';
import { realSocketPath, type OwnedListener } from '../os/net.js';
import { listeningSockets } from '../os/sockets.js';
import { describeProbe } from './probes/index.js';
import { inspectTarget, type TargetReport } from './probes/target.js';

export interface Diagnosis {
  msg: string;
  fields: Record<string, unknown>;
}

export interface NotReadyInput {
  service: string;
  probe: Probe;
  /** the service's own process, root of its tree */
  pid: number;
  lastLines: string[];
  waitedMs: number;
  /** what happened, for the message; default "not ready after 60s" (liveness: "unhealthy: …") */
  headline?: string;
}

export function diagnoseNotReady(input: NotReadyInput): Diagnosis {
  const { service, probe, pid, waitedMs } = input;
  const tree = readProcessTree(pid);
  const sockets = listeningSockets(tree.processes.map((p) => p.pid));
  const held = firstHolders(tree.processes, sockets.byPid);
  const target = inspectTarget(probe, service, new Set(tree.processes.map((p) => p.pid)));
  const parts = [target.summary, treeHint(service, pid, tree.available, tree.processes, held, target)];
  if (sockets.unreadable.length) parts.push(`berth could not read the sockets of pid ${sockets.unreadable.join(', ')} (another user; needs CAP_SYS_PTRACE)`);
  return {
    msg: `${service} ${input.headline ?? `not ready after ${formatElapsed(waitedMs)}`}: ${parts.filter(Boolean).join('; ')}`,
    fields: {
      probe: describeProbe(probe),
      waitedMs,
      target: target.fields,
      processes: tree.processes.map((p) => ({ pid: p.pid, ppid: p.ppid, command: commandOf(p), listens: (held.get(p.pid) ?? []).map(formatListener) })),
      procAvailable: tree.available,
      lastLines: input.lastLines.slice(-20),
    },
  };
}

export interface DaemonizedInput {
  service: string;
  /** the service's own process, which exited 0 */
  pid: number;
  /** processes it left behind (re-parented to berth); when empty, its process group is searched */
  leftovers: number[];
}

export function diagnoseDaemonized(input: DaemonizedInput): Diagnosis {
  const { service, pid } = input;
  const pids = input.leftovers.length ? input.leftovers : allProcesses().filter((p) => p.pgrp === pid && p.pid !== pid).map((p) => p.pid);
  const left = pids.flatMap((p) => processInfo(p) ?? []);
  const fix = daemonFix([service, ...left.map((p) => `${p.comm} ${commandOf(p)}`)].join(' '));
  const listed = left.map((p) => `${p.pid} ${commandOf(p)}`).join(', ');
  const count = left.length || input.leftovers.length;
  return {
    msg: `${service} daemonized itself: its process (pid ${pid}) exited 0 but left ${count} process(es) running${listed ? ` (${listed})` : ''}; berth cannot supervise a program that detaches from it — ${fix}`,
    fields: { pid, leftovers: left.map((p) => ({ pid: p.pid, command: commandOf(p) })), fix },
  };
}

function daemonFix(text: string): string {
  if (/php-fpm/.test(text)) return 'run it in the foreground: `php-fpm -F` (--nodaemonize), or `daemonize = no` in php-fpm.conf';
  if (/nginx/.test(text)) return "run it in the foreground: `nginx -g 'daemon off;'`, or `daemon off;` in nginx.conf";
  if (/redis/.test(text)) return 'run it in the foreground: `daemonize no` (the default) in redis.conf';
  return "run the program in the foreground: remove `&` or `nohup` from its command, or turn off its daemon option (`--daemon`, `-d`, `--fork`)";
}

/** Each listening socket once, at the highest process holding it (workers inherit the master's). */
function firstHolders(processes: ProcessInfo[], byPid: Map<number, OwnedListener[]>): Map<number, OwnedListener[]> {
  const seen = new Set<number>();
  const out = new Map<number, OwnedListener[]>();
  for (const p of processes) {
    const mine = (byPid.get(p.pid) ?? []).filter((l) => !seen.has(l.inode));
    mine.forEach((l) => seen.add(l.inode));
    if (mine.length) out.set(p.pid, mine);
  }
  return out;
}

/** What the tree does listen on, set against what the probe waits for. */
function treeHint(service: string, pid: number, available: boolean, processes: ProcessInfo[], held: Map<number, OwnedListener[]>, target: TargetReport): string | undefined {
  if (!available) return undefined;
  if (processes.length === 0) return `${service} (pid ${pid}) is no longer running`;
  if (!target.wants) return undefined;
  const wanted = target.wants;
  const label = (p: number) => `${processes.find((x) => x.pid === p)?.comm ?? service} (pid ${p})`;
  const wantedPath = 'socket' in wanted ? realSocketPath(wanted.socket) : undefined;
  const other = (l: OwnedListener) => ('socket' in wanted ? l.address !== wanted.socket && realSocketPath(l.address) !== wantedPath : l.port !== wanted.port);
  const elsewhere = [...held].map(([p, ls]) => [p, ls.filter(other)] as const).filter(([, ls]) => ls.length);
  if (held.size === 0) return `no process in ${service}'s tree listens on any socket (${processes.length} process(es): ${processes.map((p) => `${p.pid} ${p.comm}`).join(', ')})`;
  if (elsewhere.length === 0) return undefined;
  const listens = elsewhere.map(([p, ls]) => `${label(p)} listens on ${ls.map(formatListener).join(', ')}`).join('; ');
  const tcp = elsewhere.some(([, ls]) => ls.some((l) => l.proto !== 'unix'));
  const why =
    'socket' in wanted
      ? tcp ? 'the service listens on a port while the probe waits for a socket' : 'on another socket than the one the probe waits for'
      : tcp ? 'on another port than the one the probe waits for' : 'the service listens on a socket while the probe waits for a port';
  return `${listens} — ${why}`;
}

export function formatListener(l: OwnedListener): string {
  if (l.proto === 'unix') return `unix ${l.address}`;
  return `${l.proto} ${l.proto === 'tcp6' ? `[${l.address}]` : l.address}:${l.port}`;
}

/** elapsed time for a person (1.5s); config/duration.ts writes configured values (5m) */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 100) / 10;
  return s < 120 || s % 60 ? `${s}s` : `${s / 60}m`;
}
