// How bytes leave berth: through a libuv stream for pipes and sockets (never blocks the
// event loop) or through fs.write on the thread pool for files and TTYs (a TTY that
// blocks — Ctrl-S, a stalled terminal — blocks one pool thread, not berth).
import fs from 'node:fs';
import net from 'node:net';
import tty from 'node:tty';

export interface Writer {
  /** Writes all of data, then calls done once, with the error that ended the destination if any. */
  write(data: string | Buffer, done: (err?: Error | null) => void): void;
  /** As write, for several pieces in order, without joining them first (one writev) */
  writev?(data: (string | Buffer)[], done: (err?: Error | null) => void): void;
  readonly isTTY: boolean;
  /** Removes the listeners this writer installed. */
  dispose(): void;
}

/** A Node writable (process.stdout on a pipe, a socket, a test's stream). */
export function streamWriter(stream: NodeJS.WritableStream): Writer {
  // Without a listener an EPIPE 'error' would be thrown; the write callback reports it too.
  const ignore = (): void => {};
  stream.on('error', ignore);
  return {
    isTTY: (stream as { isTTY?: boolean }).isTTY === true,
    write(data, done) {
      try {
        stream.write(data, (err?: Error | null) => done(err));
      } catch (err) {
        // a write after end() throws synchronously on some streams
        queueMicrotask(() => done(err as Error));
      }
    },
    writev(data, done) {
      const corkable = stream as NodeJS.WritableStream & { cork?: () => void; uncork?: () => void };
      if (!corkable.cork || !corkable.uncork) return this.write(coalesce(data), done);
      // corked writes go out as one writev once uncorked: no copy to join them; done comes with the last
      corkable.cork();
      try {
        for (let i = 0; i < data.length - 1; i++) stream.write(data[i]!);
        stream.write(data[data.length - 1]!, (err?: Error | null) => done(err));
      } catch (err) {
        queueMicrotask(() => done(err as Error));
      } finally {
        corkable.uncork();
      }
    },
    dispose() {
      stream.removeListener('error', ignore);
    },
  };
}

/** fs.write on the thread pool, whole buffer, retrying EAGAIN on a non-blocking fd. */
export function fdWriter(fd: number, isTTY = false): Writer {
  return {
    isTTY,
    write(data, done) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let offset = 0;
      let backoffMs = 1;
      const step = (): void => {
        fs.write(fd, buf, offset, buf.length - offset, null, (err, written) => {
          if (err?.code === 'EAGAIN' || err?.code === 'EINTR') {
            // no poll() for an fd in Node: a short timer instead of spinning
            setTimeout(step, backoffMs);
            backoffMs = Math.min(backoffMs * 2, 50);
            return;
          }
          if (err) return done(err);
          offset += written;
          backoffMs = 1;
          if (offset < buf.length) step();
          else done();
        });
      };
      step();
    },
    dispose() {},
  };
}

/** One piece from several: strings joined (one encode), anything else concatenated. */
export function coalesce(chunks: (string | Buffer)[]): string | Buffer {
  if (chunks.length === 1) return chunks[0]!;
  if (chunks.every((c) => typeof c === 'string')) return chunks.join('');
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

/** A destination that is already gone (fd 1 closed at start): every write fails. */
function closedWriter(err: Error): Writer {
  return { isTTY: false, write: (_data, done) => queueMicrotask(() => done(err)), dispose() {} };
}

/**
 * Picks the writer for an fd. For fd 1 and 2 on a pipe it uses process.stdout/stderr
 * (async on Linux) rather than a second handle: two libuv handles on one fd conflict.
 */
export function writerForFd(fd: number): Writer {
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (err) {
    return closedWriter(err as Error);
  }
  if (stat.isFIFO() || stat.isSocket()) {
    if (fd === 1) return streamWriter(process.stdout);
    if (fd === 2) return streamWriter(process.stderr);
    return streamWriter(new net.Socket({ fd, readable: false, writable: true }));
  }
  return fdWriter(fd, tty.isatty(fd));
}
