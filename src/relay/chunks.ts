// Turns one stream's chunks into what the sink receives: per chunk, one string (json,
// pretty) or buffer (raw), so the sink sees one write per chunk, not one per line.
import type { LogFormat } from '../types.js';
import { jsonEncoder, type ChildStream } from './format.js';
import { LineSplitter, MAX_LINE_BYTES, type EmitLine } from './lines.js';
import type { Masker } from './mask.js';

export interface StreamContext {
  format: LogFormat;
  service: string;
  stream: ChildStream;
  masker: Masker | undefined;
  /** every line, decoded and masked: the ring and the caller's onLine */
  seen: (line: string) => void;
  /** ISO time of now, cached per millisecond */
  now: () => string;
  /** the pretty prefix for this service at the current width */
  prefix: () => string;
}

export interface ChunkProcessor {
  chunk(buf: Buffer): string | Buffer;
  end(): string | Buffer;
}

export function chunkProcessor(ctx: StreamContext): ChunkProcessor {
  const splitter = new LineSplitter(MAX_LINE_BYTES, ctx.masker?.bytes);
  if (ctx.format === 'raw') return ctx.masker ? rawMasked(ctx, splitter, ctx.masker) : rawPassthrough(ctx, splitter);
  return encoded(ctx, splitter);
}

function encoded(ctx: StreamContext, splitter: LineSplitter): ChunkProcessor {
  const { masker, seen } = ctx;
  const json = ctx.format === 'json' ? jsonEncoder(ctx.service, ctx.stream) : undefined;
  let out: string[] = [];
  let time = '';
  let prefix = '';
  const emit: EmitLine = (buf, start, end) => {
    let line = buf.toString('utf8', start, end); // invalid UTF-8 becomes U+FFFD
    if (masker) line = masker.mask(line);
    seen(line);
    out.push(json ? json(line, time) : prefix + line + '\n');
  };
  const run = (feed: () => void): string => {
    out = [];
    time = ctx.now();
    if (!json) prefix = ctx.prefix();
    feed();
    return out.join(''); // one flat string per chunk: cheaper than growing a rope line by line
  };
  return {
    chunk: (buf) => run(() => splitter.push(buf, emit)),
    end: () => run(() => splitter.end(emit)),
  };
}

/** Raw without secrets: the chunk goes out as it came; lines are only decoded for `seen`. */
function rawPassthrough(ctx: StreamContext, splitter: LineSplitter): ChunkProcessor {
  const emit: EmitLine = (buf, start, end) => ctx.seen(buf.toString('utf8', start, end));
  return {
    chunk(buf) {
      splitter.push(buf, emit);
      return buf;
    },
    end() {
      splitter.end(emit);
      return '';
    },
  };
}

/** Raw with secrets: whole lines go out (a secret may span chunks), masked as bytes. */
function rawMasked(ctx: StreamContext, splitter: LineSplitter, masker: Masker): ChunkProcessor {
  let parts: Buffer[] = [];
  const emit: EmitLine = (buf, start, end, eol) => {
    const masked = masker.maskBytes(buf, start, end);
    if (masked) parts.push(masked, buf.subarray(end, end + eol));
    else parts.push(buf.subarray(start, end + eol));
    ctx.seen(masked ? masked.toString('utf8') : buf.toString('utf8', start, end));
  };
  const run = (feed: () => void): Buffer => {
    parts = [];
    feed();
    return Buffer.concat(parts);
  };
  return {
    chunk: (buf) => run(() => splitter.push(buf, emit)),
    end: () => run(() => splitter.end(emit)),
  };
}
