// The state of what a probe waits for, read without touching the service (for ready.timeout):
// a missing path, a stale socket, a port held by another process tree, nothing listening.
import type { Probe } from '../../types.js';
import { allPids, procAvailable, processInfo } from '../../os/proc.js';
import { realSocketPath, unixListeners } from '../../os/net.js';
import { listeningSockets, whoListensOn } from '../../os/sockets.js';
import { parseFcgiAddress } from './fastcgi-client.js';
import { lastObservation } from './observed.js';
import { shownUrl } from './describe.js';
import { describeParent, ownerAndMode, pathState } from './path-state.js';
import { addressServes, isLocalHost } from './tcp.js';

export interface TargetReport {
  summary: string;
  fields: Record<string, unknown>;
  /** what the service should listen on, to compare with what it does listen on */
  wants?: { socket: string } | { port: number };
}

export function inspectTarget(probe: Probe, service: string, tree: Set<number>): TargetReport {
  const seen = lastObservation(probe);
  switch (probe.kind) {
    case 'unix':
      return socketTarget(`unix:${probe.path}`, probe.path, service, tree, seen);
    case 'file': {
      const st = pathState(probe.path);
      if (st.exists) return { summary: `file:${probe.path} exists now (it appeared after the deadline)`, fields: { path: st } };
      const parent = describeParent(probe.path);
      return { summary: `file:${probe.path} does not exist (${parent.text})`, fields: { path: st, dir: parent.dir } };
    }
    case 'tcp': {
      const port = isLocalHost(unbracket(probe.host)) ? portTarget(probe.port, probe.host, service, tree) : undefined;
      if (!port) return { summary: seen ?? `nothing accepted a connection on ${probe.host}:${probe.port}`, fields: { observed: seen } };
      return { summary: port.summary, fields: port.fields, wants: port.wants };
    }
    case 'http': {
      const url = new URL(probe.url);
      const portNo = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const port = isLocalHost(unbracket(url.hostname)) ? portTarget(portNo, url.hostname, service, tree) : undefined;
      const parts = [seen ?? `GET ${shownUrl(probe.url)} never answered ${probe.status ?? '2xx'}`, port && !port.served ? port.summary : undefined];
      return { summary: parts.filter(Boolean).join('; '), fields: { observed: seen, ...port?.fields }, wants: port?.wants };
    }
    case 'exec':
      return { summary: seen ?? `\`${probe.argv.join(' ')}\` never exited 0`, fields: { observed: seen } };
    case 'log':
      return { summary: `no output line matched /${probe.regex}/`, fields: {} };
    case 'fastcgi': {
      const to = parseFcgiAddress(probe.address);
      if (!to) return { summary: `cannot read FastCGI address "${probe.address}"`, fields: {} };
      const reach = 'path' in to ? socketTarget(`unix:${to.path}`, to.path, service, tree, undefined) : portTarget(to.port, to.host, service, tree);
      const summary = reach.served ? (seen ?? reach.summary) : [seen, reach.summary].filter(Boolean).join('; ');
      return { summary, fields: { observed: seen, ...reach.fields }, wants: reach.wants };
    }
  }
}

interface Reach extends TargetReport {
  served: boolean; // something listens there: the problem is past the connect
}

function socketTarget(label: string, path: string, service: string, tree: Set<number>, seen: string | undefined): Reach {
  const st = pathState(path);
  const base = { wants: { socket: path }, served: false };
  if (!st.exists) {
    const parent = describeParent(path);
    return { ...base, summary: `${label} does not exist (${parent.text})`, fields: { path: st, dir: parent.dir } };
  }
  if (st.type !== 'socket') {
    return { ...base, summary: `${label} exists but is a ${st.type === 'file' ? 'regular file' : st.type}, not a socket (${ownerAndMode(st)})`, fields: { path: st } };
  }
  if (!procAvailable()) return { ...base, summary: `${label} exists (${ownerAndMode(st)}) but connect() did not succeed${seen ? `: ${seen}` : ''}`, fields: { path: st } };
  const canonical = realSocketPath(path);
  const serving = unixListeners().filter((l) => l.address === path || realSocketPath(l.address) === canonical);
  if (serving.length === 0) {
    return { ...base, summary: `${label} is a stale socket: the file exists (${ownerAndMode(st)}) but nothing listens on it (left by an earlier run, or never bound by this one)`, fields: { path: st, stale: true } };
  }
  const owners = dedupe([...listeningSockets(allPids(), serving).byPid.keys()]);
  const outside = owners.filter((pid) => !tree.has(pid));
  const by = outside.length ? `, served by ${outside.map(label_).join(', ')} outside ${service}'s process tree` : '';
  return { ...base, served: true, summary: `${label} is listening${by} but connect() did not succeed${seen ? ` (${seen})` : ''}; ${ownerAndMode(st)}`, fields: { path: st, listeners: owners } };
}

function portTarget(port: number, host: string | undefined, service: string, tree: Set<number>): Reach {
  const who = whoListensOn(port);
  const base = { wants: { port } };
  if (!who.available) return { ...base, summary: `could not read /proc to see who listens on port ${port}`, fields: {}, served: false };
  const h = unbracket(host);
  const mine = who.listeners.filter((l) => tree.has(l.pid));
  const others = dedupe(who.listeners.filter((l) => !tree.has(l.pid)).map((l) => l.pid));
  const fields = { port, listeners: who.listeners.map((l) => ({ pid: l.pid, command: l.process?.comm, proto: l.proto, address: l.address, inTree: tree.has(l.pid) })) };
  if (mine.some((l) => addressServes(h, l.address))) return { ...base, summary: `${label_(mine[0]!.pid)} listens on port ${port} now (it became ready after the deadline)`, fields, served: true };
  const parts: string[] = [];
  if (mine.length) parts.push(`${label_(mine[0]!.pid)} listens on ${mine[0]!.proto} ${mine[0]!.address}:${port}, which ${h} does not reach`);
  if (others.length) parts.push(`port ${port} is held by ${others.map(label_).join(', ')}, another process tree, not ${service}'s`);
  if (who.unowned.length && !others.length) parts.push(`port ${port} is in use by a process whose sockets berth cannot read (uid ${who.unowned[0]!.uid})`);
  if (!parts.length) parts.push(`nothing listens on port ${port}`);
  return { ...base, summary: parts.join('; '), fields, served: false };
}

function label_(pid: number): string {
  const p = processInfo(pid);
  return p ? `${p.comm} (pid ${pid})` : `pid ${pid}`;
}

const dedupe = (pids: number[]) => [...new Set(pids)];
const unbracket = (host: string | undefined) => host?.replace(/^\[(.*)\]$/, '$1');
