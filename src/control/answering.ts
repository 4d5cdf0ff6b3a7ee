// Is a berth answering at this control socket? A starting berth asks before it touches
// anything (CONTRACT §3 step 1: a second berth must never harm the first); `berth ctl` may
// ask the same. Bounded: one connect and one short line, within timeoutMs.
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';

export type Answer =
  | { answering: true; pid?: number }
  | { answering: false; why: 'missing' | 'not-a-socket' | 'refused' };

const PING = `${JSON.stringify({ v: 1, cmd: 'ping' })}\n`;
const MAX_REPLY = 64 * 1024;

/**
 * answering: something accepts connections there (with the pid when it answered a ping
 * as berth does). Not answering: no socket, or one left by a berth that is gone (refused).
 * A listener that accepts but stays silent counts as answering: it is not ours to replace.
 */
export function berthAnswering(path: string, timeoutMs = 500): Promise<Answer> {
  try {
    if (!lstatSync(path).isSocket()) return Promise.resolve({ answering: false, why: 'not-a-socket' });
  } catch {
    return Promise.resolve({ answering: false, why: 'missing' });
  }
  return new Promise((resolve) => {
    const socket = connect({ path });
    let reply = '';
    let connected = false;
    const done = (a: Answer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done({ answering: true }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(PING);
    });
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const nl = reply.indexOf('\n');
      if (nl < 0 && reply.length < MAX_REPLY) return;
      done({ answering: true, ...pidOf(reply.slice(0, nl < 0 ? MAX_REPLY : nl)) });
    });
    socket.on('end', () => done({ answering: true, ...pidOf(reply) }));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // ECONNREFUSED: a socket file nobody listens on, left by a berth that is gone
      if (!connected && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')) done({ answering: false, why: 'refused' });
      else done({ answering: true });
    });
  });
}

function pidOf(line: string): { pid?: number } {
  try {
    const r = JSON.parse(line) as { pid?: unknown };
    return typeof r.pid === 'number' && Number.isInteger(r.pid) && r.pid > 0 ? { pid: r.pid } : {};
  } catch {
    return {};
  }
}
