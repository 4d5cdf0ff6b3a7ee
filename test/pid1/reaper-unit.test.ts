// The parts of the reaper that are pure policy or parsing: SIGCHLD coalescing (with a
// fake C library), /proc/PID/stat parsing, the wait status word, listing children.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStatus, type Libc, type WaitStatus } from '../../src/os/libc.js';
import { startReaper, type Reaper } from '../../src/pid1/reaper.js';
import { listChildren, parseStat } from '../../src/os/proc.js';
import type { EventLog } from '../../src/types.js';

function recordingLog(): EventLog & { lines: Array<{ event: string } & Record<string, unknown>> } {
  const lines: Array<{ event: string } & Record<string, unknown>> = [];
  const at = (event: string, fields: Record<string, unknown>) => void lines.push({ event, ...fields });
  return { lines, trace: at, debug: at, info: at, warn: at, error: at };
}

/** A C library whose exited children are the pids queued in `exited`. */
function fakeLibc(exited: number[]) {
  const calls = { peek: 0, waited: [] as number[] };
  // the reaper needs only these two calls; anything else would throw
  const libc = {
    peekExited: () => (calls.peek++, { ok: true, value: exited[0] ?? 0 }),
    waitpidNoHang(pid: number): { ok: true; value: WaitStatus } {
      calls.waited.push(pid);
      exited.splice(exited.indexOf(pid), 1);
      return { ok: true, value: { pid, exitCode: 3 } };
    },
  } satisfies Partial<Libc> as unknown as Libc;
  return { libc, calls };
}

const nextScan = (reaper: Reaper) => new Promise<void>((resolve) => { const off = reaper.onScan(() => (off(), resolve())); });

describe('startReaper', () => {
  let reaper: Reaper | undefined;
  afterEach(() => reaper?.stop());

  it('scans once for a burst of SIGCHLDs, and again for one that comes after', async () => {
    const { libc, calls } = fakeLibc([]);
    reaper = startReaper({ log: recordingLog(), isOwnChild: () => false, libc, commands: false })!;
    for (let i = 0; i < 1000; i++) process.emit('SIGCHLD' as never);
    await nextScan(reaper);
    expect(calls.peek).toBe(1);
    process.emit('SIGCHLD' as never);
    await nextScan(reaper);
    expect(calls.peek).toBe(2);
  });

  it('reaps the orphans by pid and logs each, but never a pid berth spawned', async () => {
    const log = recordingLog();
    const { libc, calls } = fakeLibc([9001, 9002, 9003]);
    reaper = startReaper({ log, isOwnChild: (pid) => pid === 9003, libc, commands: false })!;
    await nextScan(reaper);
    expect(calls.waited).toEqual([9001, 9002]);
    expect(log.lines).toEqual([
      { event: 'reaped', pid: 9001, command: undefined, exitCode: 3, signal: undefined },
      { event: 'reaped', pid: 9002, command: undefined, exitCode: 3, signal: undefined },
    ]);
  });

  it('stops listening when stopped', async () => {
    const before = process.listenerCount('SIGCHLD');
    const { libc } = fakeLibc([]);
    const r = startReaper({ log: recordingLog(), isOwnChild: () => false, libc })!;
    expect(process.listenerCount('SIGCHLD')).toBe(before + 1);
    r.stop();
    expect(process.listenerCount('SIGCHLD')).toBe(before);
  });
});

describe('parseStat', () => {
  it('reads a command holding spaces and parentheses', () => {
    expect(parseStat('4242 (my (odd) cmd) Z 1 4242 4242 0 -1 4194560 0')).toMatchObject({ pid: 4242, comm: 'my (odd) cmd', state: 'Z', ppid: 1, pgrp: 4242 });
  });
  it('refuses what is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('12 (cut')).toBeUndefined();
  });
});

describe('decodeStatus', () => {
  it('gives the exit code, or the signal that ended the process', () => {
    expect(decodeStatus(7, 42 << 8)).toEqual({ pid: 7, exitCode: 42 });
    expect(decodeStatus(7, 9)).toEqual({ pid: 7, signal: 'SIGKILL' });
    expect(decodeStatus(7, 15 | 0x80)).toEqual({ pid: 7, signal: 'SIGTERM' }); // core dumped
    expect(decodeStatus(0, 0)).toEqual({ pid: 0 });
  });
});

describe('listChildren', () => {
  it("lists this process's own children with their state and command", async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const found = listChildren(process.pid).find((c) => c.pid === child.pid);
      expect(found).toMatchObject({ comm: 'sleep' });
      expect(['S', 'R']).toContain(found?.state);
    } finally {
      child.kill();
    }
  });

  it('reads the same children from /proc/self/task/*/children as from a scan of every /proc/PID/stat', () => {
    const kids = [spawn('sleep', ['30'], { stdio: 'ignore' }), spawn('sleep', ['30'], { stdio: 'ignore' })];
    try {
      const pids = (list: { pid: number }[]) => list.map((c) => c.pid).filter((p) => kids.some((k) => k.pid === p)).sort();
      const own = listChildren(process.pid); // this process, the real /proc: the per-thread files
      const scanned = listChildren(process.pid, '/proc/.'); // another root: the scan
      expect(pids(own)).toEqual(kids.map((k) => k.pid).sort());
      expect(pids(scanned)).toEqual(pids(own));
    } finally {
      for (const k of kids) k.kill();
    }
  });
});
