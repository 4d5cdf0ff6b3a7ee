// Small helpers the fault tests share, on top of berth.ts.
import { join } from 'node:path';
import { alive, FIXTURES, type Berth, type Line } from './berth.js';

export const fx = (name: string) => join(FIXTURES, 'faults', name);

/** Runs fn over items, at most `limit` at a time (two cores: keep the fan-out small). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Resolves once check() holds, polling every 25 ms; rejects after timeoutMs saying what it waited for. */
export function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** until() with the description first and a 20 s default, as the liveness tests call it */
export function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return until(check, timeoutMs, what);
}

/** wrap for startBerth: run as an unprivileged user (no passwd entry needed) */
export function asUser(uid: number, gid = uid): string[] {
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'];
}
export const nobody = () => asUser(65534, 65534);

/** Every pid berth reported starting (service.start) and every pid a child printed as `pid N`. */
export function reportedPids(b: { lines: Line[] }): number[] {
  const pids = new Set<number>();
  for (const l of b.lines) {
    if ((l.event === 'service.start' || l.event === 'task.start') && typeof l.pid === 'number' && l.pid > 0) pids.add(l.pid);
    if (l.stream && typeof l.msg === 'string') for (const m of l.msg.matchAll(/\bpid (\d+)/g)) pids.add(Number(m[1]));
    if (l.stream && typeof l.pid === 'number') pids.add(l.pid);
  }
  return [...pids];
}

/** After berth exited: none of these is left (a moment for the kernel to finish the last kill). */
export async function expectNoneAlive(pids: number[], what = 'processes'): Promise<void> {
  await until(() => pids.every((p) => !alive(p)), 5_000, `${what} ${pids.filter(alive).join(', ')} to be gone`).catch((e: Error) => {
    throw new Error(`${e.message}: left behind`);
  });
}

/** SIGKILLs anything a failed test left, so the next one starts clean. */
export function killAll(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Sends sig and measures how long berth takes to exit. */
export async function stopAndTime(b: Berth, sig: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  b.kill(sig);
  const r = await b.exited;
  return { code: r.code, ms: Date.now() - t0 };
}
