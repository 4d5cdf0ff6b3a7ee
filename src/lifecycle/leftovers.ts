// What a process left behind when it ended: a helper it started in a new session (setsid,
// a daemon) that still holds its stdout or stderr. berth does not wait for such a helper
// (its pipe may stay open for ever); it names it, and goes on relaying what it prints.
import type { Child } from '../process/child.js';
import { pipeHolders } from '../os/fd-holders.js';
import { commandOf, processInfo } from '../os/proc.js';

/** how long the last output of a process that just ended may take to be read */
const SETTLE_MS = 200;
/** without /proc's answer: how much longer to wait for the pipes to close before calling it a leftover */
const UNKNOWN_HOLDERS_MS = 2000;

export interface Leftover {
  pid: number;
  command: string;
}

/**
 * Resolves once the output ended (undefined), or with who still holds it open (an empty
 * list: /proc could not say). When nobody else holds the pipes, it waits for what is in them
 * to be read, however slow berth's stdout (its lines come before the exit event, and are not
 * lost when berth exits); the relay gives up on a stdout that takes nothing (log.stallTimeout).
 * untilEnd: when /proc cannot say, wait UNKNOWN_HOLDERS_MS more for the end.
 */
export async function outputLeftovers(child: Child, relayed: Promise<void>, untilEnd: boolean): Promise<Leftover[] | undefined> {
  if (await within(relayed, SETTLE_MS)) return undefined;
  const pids = pipeHolders(child.outputInodes);
  if (pids?.length === 0) {
    await relayed; // the end is coming once what is in the pipes is read
    return undefined;
  }
  if (pids === undefined) return !untilEnd || (await within(relayed, UNKNOWN_HOLDERS_MS)) ? undefined : [];
  return pids.map((pid) => {
    const p = processInfo(pid);
    return { pid, command: p ? commandOf(p) : '?' };
  });
}

/** The finding's message: what is left, and what to do about it. */
export function leftoversMessage(kind: 'task' | 'service', name: string, left: Leftover[]): string {
  const who = left.length ? left.map((l) => `pid ${l.pid} (${l.command})`).join(', ') : 'a process berth cannot name (/proc does not say)';
  return `${kind} ${name} ended, but ${who}, started by it in the background or in a session of its own, still holds its output: berth does not wait for it and relays what it prints. If it should keep running, make it a service; if not, end it before the ${kind} exits, or start it with its output redirected (>/dev/null 2>&1)`;
}

function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
}
