// The ready file (CONTRACT §5): present only while every service is ready, replaced atomically,
// and trusted by `berth health` only when it names the live berth that wrote it.
import { realpathSync, unlinkSync } from 'node:fs';
import { READ_LIMITS, readTextBounded, whyUnreadable } from '../os/read-bounded.js';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { ensureDir, UnsafePathError, writeFileAtomic } from '../os/safe-path.js';
import { cwdOf, processInfo, processStartTime, processUid, type ProcessInfo } from '../os/proc.js';
import { selfFile } from '../os/sea.js';
import { isoTime } from '../output/iso-time.js';

export interface ReadyFile {
  pid: number;
  /** berth's start, ms since the epoch, as processStartTime(pid) computes it */
  startTime: number;
  readyAt: number; // ms since the epoch
  services: Record<string, { pid: number; readyAt: number }>;
}

export type FileResult = { ok: true } | { ok: false; error: string };

/** Write to a temp file in the same directory, then rename: a reader sees the old file or the new one, never half. */
export function writeReadyFile(path: string, content: ReadyFile): FileResult {
  const dir = dirname(path);
  try {
    ensureDir(dir, { createMode: 0o755 }); // an existing directory keeps its owner and mode
    if (existing(path) === 'other') return { ok: false, error: `refusing to write ready file ${path}: a file that is not a ready file is there (a typo in the path?); left alone` };
    writeFileAtomic(dir, basename(path), `${JSON.stringify(content)}\n`, 0o644);
    return { ok: true };
  } catch (e) {
    const verb = e instanceof UnsafePathError ? 'refusing to write' : 'cannot write';
    return { ok: false, error: `${verb} ready file ${path}: ${e instanceof UnsafePathError ? e.reason : (e as Error).message}` };
  }
}

/** What is at path: nothing, a ready file (as berth writes them), or something else. */
function existing(path: string): 'missing' | 'ready' | 'other' {
  const r = readExisting(path);
  return typeof r === 'string' ? r : 'ready';
}

function readExisting(path: string): 'missing' | 'other' | Pick<ReadyFile, 'pid' | 'startTime'> {
  try {
    const data = JSON.parse(readTextBounded(path, READ_LIMITS.readyFile, { noFollow: true })) as Partial<ReadyFile> | null;
    return data !== null && typeof data === 'object' && Number.isInteger(data.pid) && typeof data.startTime === 'number' ? { pid: data.pid!, startTime: data.startTime } : 'other';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}

/**
 * The pid of the live berth, other than this one, that wrote this ready file: the pid is
 * running berth and started when the file says. A file left by a berth that is gone (or
 * whose pid another program now has) names nobody, and may be replaced.
 */
export function liveOwner(path: string): number | undefined {
  const data = readExisting(path);
  if (typeof data === 'string' || data.pid === process.pid || data.pid <= 0 || data.startTime <= 0) return undefined;
  if (processStartTime(data.pid) !== data.startTime) return undefined;
  const info = processInfo(data.pid);
  return info && runsBerth(info) ? data.pid : undefined;
}

/** Removes a ready file; anything else at that path (BERTH_READY_FILE=/app/server.js) is left alone. */
export function removeReadyFile(path: string): FileResult {
  try {
    const what = existing(path);
    if (what === 'missing') return { ok: true };
    if (what === 'other') return { ok: false, error: `not removing ${path}: it is not a ready file berth wrote` };
    unlinkSync(path);
    return { ok: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true };
    return { ok: false, error: `cannot remove ready file ${path}: ${(e as Error).message}` };
  }
}

/** `berth health`: ok only for a file naming a live process that started when the file says. */
export function checkHealth(path: string): { ok: boolean; reason: string } {
  let text: string;
  let owner: number;
  try {
    let uid = -1;
    text = readTextBounded(path, READ_LIMITS.readyFile, { onStat: (st) => (uid = st.uid) });
    owner = uid;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? `not ready: no ready file at ${path}` : `cannot read ${path}: ${whyUnreadable(e)}` };
  }
  let data: Partial<ReadyFile>;
  try {
    data = JSON.parse(text) as Partial<ReadyFile>;
  } catch {
    return { ok: false, reason: `${path} is not valid JSON` };
  }
  if (typeof data !== 'object' || data === null || !Number.isInteger(data.pid) || typeof data.startTime !== 'number') {
    return { ok: false, reason: `${path} does not hold a pid and a startTime` };
  }
  const pid = data.pid!;
  if (data.startTime <= 0) return { ok: false, reason: `not ready: ${path} records no start time for pid ${pid} (/proc was unreadable when berth wrote it), so it cannot be told from a leftover` };
  const started = processStartTime(pid);
  if (started === undefined) {
    const why = processInfo(pid) ? 'is a zombie, or /proc cannot say when it started' : 'is not running';
    return { ok: false, reason: `not ready: pid ${pid} named in ${path} ${why} (a file left by an earlier run)` };
  }
  if (started !== data.startTime) {
    return { ok: false, reason: `not ready: pid ${pid} started at ${iso(started)}, not at ${iso(data.startTime)} as ${path} says: another process now has that pid (a file left by an earlier run)` };
  }
  const info = processInfo(pid);
  if (!info) return { ok: false, reason: `not ready: pid ${pid} named in ${path} is not running` };
  if (!runsBerth(info)) return { ok: false, reason: `not ready: pid ${pid} named in ${path} is ${info.comm}, not berth: a file written by something else` };
  // berth writes the file as itself: one owned by another user was put there by that user
  const berthUid = processUid(pid);
  if (berthUid !== undefined && owner !== berthUid && owner !== 0) {
    return { ok: false, reason: `not ready: ${path} belongs to uid ${owner}, but berth (pid ${pid}) runs as uid ${berthUid}: it did not write this file` };
  }
  const names = Object.keys(data.services ?? {});
  return { ok: true, reason: `ready since ${iso(data.readyAt)}: ${names.length} service(s)${names.length ? ` (${names.join(', ')})` : ''}, berth pid ${pid}` };
}

/**
 * Is this process a berth? A start time can be copied from /proc into a forged file; the
 * program is harder to fake. berth runs as `node [node options] …/berth[.js] …` or as a binary
 * named berth; an install under another name is the very file this `berth health` runs.
 * Lenient on purpose: a berth taken for something else would fail its healthcheck for ever.
 */
export function runsBerth(p: ProcessInfo, self: string | undefined = selfFile()): boolean {
  const words = p.cmdline.slice(0, 16).filter((w) => !w.startsWith('-'));
  if (words.some((w) => /^berth(\.[cm]?js)?$/.test(basename(w)))) return true;
  if (!self) return false;
  const mine = realpathOrSelf(self);
  return words.slice(1).some((w) => realpathOrSelf(isAbsolute(w) ? w : (inCwdOf(p.pid, w) ?? w)) === mine);
}

function inCwdOf(pid: number, file: string): string | undefined {
  const cwd = cwdOf(pid); // another user's process: its cwd is hidden
  return cwd === undefined ? undefined : resolve(cwd, file);
}

function realpathOrSelf(f: string): string {
  try {
    return realpathSync(f);
  } catch {
    return f;
  }
}

const iso = (ms: unknown) => (typeof ms === 'number' && Number.isFinite(ms) ? isoTime(ms) : String(ms));
