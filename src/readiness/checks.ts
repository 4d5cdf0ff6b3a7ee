// One liveness check of each §5 probe form (CONTRACT §9): a single attempt, bounded by its
// timeout, never a retry loop. What a failed check saw is recorded for the report.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Probe } from '../types.js';
import { procAvailable } from '../os/proc.js';
import { netlinkTcpListeners, type Listener } from '../os/net.js';
import { runCheckCommand } from '../process/capture.js';
import { connectOnce } from './probes/connect.js';
import { fastcgiGet, parseFcgiAddress } from './probes/fastcgi-client.js';
import { getStatus, statusMatches } from './probes/http.js';
import { shownUrl } from './probes/describe.js';
import { compileLogRegex } from './probes/log.js';
import { recordObservation } from './probes/observed.js';
import { addressServes, isLocalHost } from './probes/tcp.js';
import { treeListenCheck } from './probes/tcp-owner.js';

export type CheckResult = { ok: true } | { ok: false; why: string };

export interface CheckContext {
  /** the service's own process: the root of its tree */
  pid: number;
  cwd: string;
  env: Record<string, string>;
  subscribeLines: (cb: (line: string) => void) => () => void;
}

export interface Check {
  run(timeoutMs: number, signal: AbortSignal): Promise<CheckResult>;
  close(): void;
}

const pass: CheckResult = { ok: true };
const failed = (probe: Probe, why: string): CheckResult => {
  recordObservation(probe, why);
  return { ok: false, why };
};

/** The check for one run of a service; close() when that run ends. */
export function makeCheck(probe: Probe, ctx: CheckContext): Check {
  const none = () => {};
  switch (probe.kind) {
    case 'unix': {
      const path = resolve(ctx.cwd, probe.path);
      return {
        async run(timeoutMs, signal) {
          const r = await connectOnce({ path }, timeoutMs, signal);
          return r.ok ? pass : failed(probe, r.code === 'ECONNREFUSED' ? `connect() to ${path} refused: nothing listens on the socket file` : r.code === 'ENOENT' ? `${path} does not exist` : `connect() to ${path} failed: ${r.code}`);
        },
        close: none,
      };
    }
    case 'tcp': {
      const host = probe.host?.replace(/^\[(.*)\]$/, '$1');
      if (!isLocalHost(host) || !procAvailable()) {
        return {
          async run(timeoutMs, signal) {
            const r = await connectOnce({ host: host ?? 'localhost', port: probe.port, autoSelectFamily: true }, timeoutMs, signal);
            return r.ok ? pass : failed(probe, `connect to ${host ?? 'localhost'}:${probe.port} failed: ${r.code}`);
          },
          close: none,
        };
      }
      // the kernel's listener table (sock_diag): no connection, so the service never sees a check
      const serves = (l: Listener) => l.port === probe.port && addressServes(host, l.address);
      const owned = treeListenCheck(ctx.pid, probe.port, serves);
      let known = new Set<number>(); // listeners found in the tree: while one is still listed, it is still held
      return {
        async run() {
          const listed = netlinkTcpListeners(['tcp', 'tcp6'])?.filter(serves);
          if (listed?.some((l) => known.has(l.inode))) return pass;
          if (owned() === 'ready') {
            known = new Set((listed ?? []).map((l) => l.inode));
            return pass;
          }
          known = new Set();
          return failed(probe, `no process of the service listens on port ${probe.port} any more`);
        },
        close: none,
      };
    }
    case 'http': {
      const url = new URL(probe.url);
      const shown = shownUrl(probe.url); // once, not at every failed check
      return {
        async run(timeoutMs, signal) {
          const r = await getStatus(url, timeoutMs, signal, 'berth-liveness');
          if ('status' in r) return statusMatches(r.status, probe.status) ? pass : failed(probe, `GET ${shown} answered ${r.status}`);
          return failed(probe, `GET ${shown} failed: ${r.code === 'ABORT_ERR' ? `no answer within ${timeoutMs}ms` : r.code}`);
        },
        close: none,
      };
    }
    case 'file': {
      const path = resolve(ctx.cwd, probe.path);
      return { run: async () => (existsSync(path) ? pass : failed(probe, `${path} does not exist`)), close: none };
    }
    case 'exec':
      return {
        async run(timeoutMs, signal) {
          const r = await runCheckCommand(probe.argv, { cwd: ctx.cwd, env: ctx.env, timeoutMs, signal });
          if (r.exitCode === 0 && !r.timedOut) return pass;
          const cmd = probe.argv.join(' ');
          if (r.spawnError) return failed(probe, `\`${cmd}\` could not start: ${r.spawnError}`);
          const last = r.tail.trim().split('\n').at(-1)?.slice(0, 200);
          const how = r.timedOut ? `did not finish within ${timeoutMs}ms (its process group was killed)` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
          return failed(probe, `\`${cmd}\` ${how}${last && !r.timedOut ? `: ${last}` : ''}`);
        },
        close: none,
      };
    case 'log': {
      // a heartbeat: a matching line since the last check
      const re = compileLogRegex(probe.regex);
      let seen = false;
      const unsubscribe = ctx.subscribeLines((line) => {
        if (re.test(line)) seen = true;
      });
      return {
        async run() {
          const ok = seen;
          seen = false;
          return ok ? pass : failed(probe, `no output line matched /${probe.regex}/ since the last check`);
        },
        close: unsubscribe,
      };
    }
    case 'fastcgi': {
      const to = parseFcgiAddress(probe.address, ctx.cwd);
      const expect = probe.expect ?? 'pong';
      return {
        async run(timeoutMs, signal) {
          if (!to) return failed(probe, `cannot read FastCGI address "${probe.address}"`);
          const r = await fastcgiGet(to, probe.path, timeoutMs, signal);
          if (r.ok && r.body.includes(expect)) return pass;
          return failed(probe, r.ok ? `FastCGI GET ${probe.path} answered ${r.status} without "${expect}"` : `FastCGI request to ${probe.address} failed: ${r.code}`);
        },
        close: none,
      };
    }
  }
}
