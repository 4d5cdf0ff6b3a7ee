// One destination's write queue: it accepts everything, writes one batch at a time (one
// writev, or joined), and reports "full" above the high-water mark so producers pause instead of
// growing memory. After the destination fails (EPIPE), writes are dropped and counted.
import { coalesce, type Writer } from './writers.js';

/**
 * A batch ends once it holds this much (a pipe's capacity): each written batch is a sign of
 * progress, so a slow reader that still takes bytes is told from one that takes none.
 */
const BATCH = 64 * 1024;

export class Channel {
  private pending: (string | Buffer)[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private writing = false;
  private full = false;
  private idleWaiters: (() => void)[] = [];
  closed = false;
  dropped = 0;
  /** accepted and written so far */
  written = 0;
  /** when the destination last took a batch (ms since the epoch), or when data began to wait */
  lastProgress = Date.now();
  error: Error | undefined;

  constructor(
    private readonly writer: Writer,
    private readonly highWaterMark: number,
    private readonly onDrain: () => void,
  ) {}

  /** Bytes accepted and not yet written (string lengths count UTF-16 units). */
  get buffered(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  get isFull(): boolean {
    return this.full;
  }

  write(data: string | Buffer): boolean {
    const n = data.length;
    if (this.closed) {
      this.dropped += n;
      return true; // never hold a child back for a destination that is gone
    }
    if (n === 0) return !this.full;
    if (this.buffered === 0) this.lastProgress = Date.now(); // waiting starts now, not at the last write
    this.pending.push(data);
    this.pendingBytes += n;
    if (!this.writing) this.next();
    if (this.buffered > this.highWaterMark) this.full = true;
    return !this.full;
  }

  /** Resolves when nothing is pending or in flight (written, or dropped after a failure). */
  whenIdle(): Promise<void> {
    if (!this.writing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    if (this.pending.length === 0) return this.settle();
    let take = 0;
    let bytes = 0;
    while (take < this.pending.length && bytes < BATCH) bytes += this.pending[take++]!.length;
    const batch = take === this.pending.length ? this.pending : this.pending.slice(0, take);
    this.pending = take === this.pending.length ? [] : this.pending.slice(take);
    this.inFlightBytes = bytes;
    this.pendingBytes -= bytes;
    this.writing = true;
    const done = (err?: Error | null): void => this.done(err ?? undefined);
    if (batch.length > 1 && this.writer.writev) this.writer.writev(batch, done);
    else this.writer.write(coalesce(batch), done);
  }

  private done(err: Error | undefined): void {
    this.writing = false;
    if (err) this.dropped += this.inFlightBytes; // some of it may have gone out: an upper bound
    else {
      this.written += this.inFlightBytes;
      this.lastProgress = Date.now();
    }
    this.inFlightBytes = 0;
    if (err) return this.fail(err);
    this.next();
    // half the mark: resume producers with room to spare, not one chunk at a time
    if (this.full && this.buffered <= this.highWaterMark / 2) {
      this.full = false;
      this.onDrain();
    }
  }

  private fail(err: Error): void {
    this.closed = true;
    this.error = err;
    this.dropped += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.settle();
    if (this.full) {
      this.full = false;
      this.onDrain();
    }
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
