// Child output → log lines (CONTRACT §7): line by line per log format, secrets masked,
// with backpressure — when the sink is full the child's pipe is paused, so a slow
// stdout slows the child instead of growing berth's memory.
import type { LogFormat } from '../../types.js';
import type { Sink, SinkTarget } from '../sink/index.js';
import { chunkProcessor, fallbackOutput, type Output } from './chunks.js';
import { prettyPrefix, type ChildStream } from './format.js';
import { createMasker } from './mask.js';
import { Ring } from './ring.js';
import type { LevelOf } from './levels.js';
import { serviceColor } from '../color.js';
import { isoTime } from '../iso-time.js';

export interface RelayOptions {
  format: LogFormat;
  sink: Sink;
  /** values to mask as *** in every line of child output */
  secretValues: string[];
  /** pretty only: a color per service */
  color: boolean;
  /** ms since the epoch; replaced in tests */
  clock?: () => number;
  /** lines kept per service for lastLines; default 20 */
  ringSize?: number;
  /** json: how to read the level of a service's plain lines (its preset's error log); default none */
  levelOf?: (service: string) => LevelOf | undefined;
  /** characters kept per service at most, whatever ringSize says; default unbounded */
  ringChars?: number;
  /** see Relay.stalled; 0: never */
  stallMs?: number;
}

export interface Relay {
  /** Resolves once readable ended and every one of its lines reached the sink. Never rejects. */
  attach(service: string, stream: ChildStream, readable: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void>;
  /** The service's last n lines (both streams, masked), oldest first. */
  lastLines(service: string, n?: number): string[];
  /**
   * Resolves once berth's stdout (or stderr), holding lines, has taken nothing for stallMs: a
   * reader that is stuck, not slow. Never when stallMs is 0, or after `signal` aborts.
   */
  stalled(signal: AbortSignal): Promise<void>;
  /** Removes the relay's drain listener and resumes anything it paused. */
  dispose(): void;
}

export function createRelay(opts: RelayOptions): Relay {
  const { sink, format } = opts;
  const clock = opts.clock ?? Date.now;
  const ringSize = Math.max(1, opts.ringSize ?? 20);
  const masker = createMasker(opts.secretValues);
  const rings = new Map<string, Ring>();
  const paints = new Map<string, (s: string) => string>();
  let width = 0;
  let cachedMs = NaN;
  let cachedIso = '';
  const now = (): string => {
    const ms = clock();
    if (ms !== cachedMs) [cachedMs, cachedIso] = [ms, isoTime(ms)];
    return cachedIso;
  };

  const paused = new Map<NodeJS.ReadableStream, SinkTarget>();
  const resume = (to?: SinkTarget): void => {
    for (const [readable, target] of paused) {
      if (to !== undefined && target !== to) continue;
      paused.delete(readable);
      readable.resume();
    }
  };
  const removeDrain = sink.onDrain(resume);

  const register = (service: string): Ring => {
    if (!paints.has(service)) paints.set(service, opts.color ? serviceColor(paints.size) : (s) => s);
    width = Math.max(width, service.length);
    let ring = rings.get(service);
    if (!ring) rings.set(service, (ring = new Ring(ringSize, opts.ringChars)));
    return ring;
  };

  function attach(service: string, stream: ChildStream, readable: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<void> {
    const ring = register(service);
    const paint = paints.get(service)!;
    const target: SinkTarget = format === 'raw' ? stream : 'stdout';
    const processor = chunkProcessor({
      format,
      service,
      stream,
      masker,
      now,
      prefix: () => prettyPrefix(service, width, paint),
      levelOf: opts.levelOf?.(service),
      seen: onLine
        ? (line) => {
            ring.push(line);
            onLine(line);
          }
        : (line) => ring.push(line),
      seenAll: (lines) => {
        if (onLine) for (let i = 0; i < lines.length; i++) onLine(lines[i]!);
        ring.pushAll(lines);
      },
    });
    // whatever a child prints, berth stays up: a chunk the relay (or a line listener) failed on goes out as escaped text
    const guarded = (produce: () => Output, buf: Buffer | undefined): Output => {
      try {
        return produce();
      } catch (err) {
        return buf ? fallbackOutput({ format, service, stream, masker, now }, buf, err) : [];
      }
    };
    const write = (out: Output): void => {
      let full = false;
      for (const piece of out) if (piece.length > 0 && !sink.write(piece, target)) full = true;
      if (full) {
        readable.pause();
        paused.set(readable, target);
      }
    };

    return new Promise((resolve) => {
      const state = readable as { readableEnded?: boolean; destroyed?: boolean };
      if (state.readableEnded || state.destroyed) return resolve(); // nothing will ever come
      const onData = (chunk: Buffer | string): void => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        write(guarded(() => processor.chunk(buf), buf));
      };
      const finish = (): void => {
        readable.removeListener('data', onData);
        readable.removeListener('end', finish);
        readable.removeListener('close', finish);
        readable.removeListener('error', finish);
        // a later 'error' on a finished pipe must not crash berth
        readable.on('error', () => {});
        paused.delete(readable);
        write(guarded(() => processor.end(), undefined));
        resolve();
      };
      readable.on('data', onData);
      readable.on('end', finish);
      readable.on('close', finish);
      readable.on('error', finish);
    });
  }

  return {
    attach,
    lastLines: (service, n = 20) => rings.get(service)?.last(n) ?? [],
    stalled(signal) {
      const stallMs = opts.stallMs ?? 0;
      return new Promise((resolve) => {
        if (stallMs <= 0 || signal.aborted) return;
        const timer = setInterval(() => {
          if (sink.stalledFor() < stallMs) return;
          clearInterval(timer);
          resolve();
        }, Math.min(stallMs, 250));
        signal.addEventListener('abort', () => clearInterval(timer), { once: true });
      });
    },
    dispose() {
      removeDrain();
      resume();
    },
  };
}
