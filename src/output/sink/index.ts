// The single owner of berth's stdout and stderr: berth's events and its children's lines
// go through here, in order, without ever blocking the event loop (CONTRACT §7).
import { Channel } from './channel.js';
import { streamWriter, writerForFd, type Writer } from './writers.js';

export type SinkTarget = 'stdout' | 'stderr';

export interface SinkStats {
  /** accepted, not yet written, per target */
  buffered: Record<SinkTarget, number>;
  /** dropped after the destination failed (EPIPE …), per target */
  dropped: Record<SinkTarget, number>;
  /** the error that closed a target, e.g. 'EPIPE' */
  closed: Record<SinkTarget, string | undefined>;
  /** written so far, per target */
  written: Record<SinkTarget, number>;
}

export interface Sink {
  /** Queues data; false once the target holds more than the high-water mark (then wait for onDrain). */
  write(data: string | Buffer, to?: SinkTarget): boolean;
  /** Called with the target that has room again after a write returned false. */
  onDrain(cb: (to: SinkTarget) => void): () => void;
  /** Resolves true once everything accepted is written (or dropped), false after deadlineMs. */
  flush(deadlineMs: number): Promise<boolean>;
  /**
   * Resolves true once everything accepted is written (or dropped), however slow the reader;
   * false once a target holding data has taken nothing for stallMs (0: never give up).
   */
  drain(stallMs: number): Promise<boolean>;
  /** ms since a target holding data last took any; 0 when nothing waits */
  stalledFor(): number;
  isTTY(to?: SinkTarget): boolean;
  stats(): SinkStats;
  /** Removes the listeners the sink installed on its streams. */
  dispose(): void;
}

export type SinkDestination = NodeJS.WritableStream | number;

export interface SinkOptions {
  /** a stream, or an fd; default fd 1 */
  stdout?: SinkDestination;
  /** a stream, or an fd; default fd 2 */
  stderr?: SinkDestination;
  /** bytes per target before write() returns false; default 1 MiB */
  highWaterMark?: number;
}

export const DEFAULT_HIGH_WATER_MARK = 1 << 20;

export function createSink(opts: SinkOptions = {}): Sink {
  const hwm = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const drainListeners = new Set<(to: SinkTarget) => void>();
  const emitDrain = (to: SinkTarget) => () => {
    for (const cb of [...drainListeners]) cb(to);
  };
  const writers: Record<SinkTarget, Writer> = {
    stdout: toWriter(opts.stdout ?? 1),
    stderr: toWriter(opts.stderr ?? 2),
  };
  const channels: Record<SinkTarget, Channel> = {
    stdout: new Channel(writers.stdout, hwm, emitDrain('stdout')),
    stderr: new Channel(writers.stderr, hwm, emitDrain('stderr')),
  };

  return {
    write: (data, to = 'stdout') => channels[to].write(data),
    onDrain(cb) {
      drainListeners.add(cb);
      return () => drainListeners.delete(cb);
    },
    flush: (deadlineMs) => flushChannels(Object.values(channels), deadlineMs),
    drain: (stallMs) => drainChannels(Object.values(channels), stallMs),
    stalledFor: () => stalledFor(Object.values(channels)),
    isTTY: (to = 'stdout') => writers[to].isTTY,
    stats: () => ({
      buffered: { stdout: channels.stdout.buffered, stderr: channels.stderr.buffered },
      dropped: { stdout: channels.stdout.dropped, stderr: channels.stderr.dropped },
      closed: { stdout: errorName(channels.stdout), stderr: errorName(channels.stderr) },
      written: { stdout: channels.stdout.written, stderr: channels.stderr.written },
    }),
    dispose() {
      writers.stdout.dispose();
      writers.stderr.dispose();
      drainListeners.clear();
    },
  };
}

function toWriter(dest: SinkDestination): Writer {
  return typeof dest === 'number' ? writerForFd(dest) : streamWriter(dest);
}

function errorName(ch: Channel): string | undefined {
  if (!ch.closed) return undefined;
  return (ch.error as NodeJS.ErrnoException | undefined)?.code ?? ch.error?.message ?? 'closed';
}

async function flushChannels(channels: Channel[], deadlineMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs));
  });
  const idle = Promise.all(channels.map((c) => c.whenIdle())).then(() => true);
  try {
    return await Promise.race([idle, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function stalledFor(channels: Channel[]): number {
  const now = Date.now();
  return Math.max(0, ...channels.filter((c) => c.buffered > 0 && !c.closed).map((c) => now - c.lastProgress));
}

async function drainChannels(channels: Channel[], stallMs: number): Promise<boolean> {
  const idle = Promise.all(channels.map((c) => c.whenIdle())).then(() => true);
  if (stallMs <= 0) return idle;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<boolean>((resolve) => {
    const check = (): void => {
      const quiet = stalledFor(channels);
      if (quiet >= stallMs) return resolve(false);
      timer = setTimeout(check, Math.max(10, stallMs - quiet));
    };
    check();
  });
  try {
    return await Promise.race([idle, stalled]);
  } finally {
    clearTimeout(timer);
  }
}
