// Turns one stream's chunks into what the sink receives: per chunk, one string or buffer
// (two when a line carried over from the last chunk comes first), so the sink sees one
// write per chunk, not one per line. The whole lines that arrive together are one run:
// one decode, one encode, and for JSON, when no line needs escaping, one join.
import { isAscii } from 'node:buffer';
import type { LogFormat } from '../../types.js';
import { jsonBlockEncoder, jsonEncoder, type ChildStream } from './format.js';
import { LineSplitter, MAX_LINE_BYTES, type EmitBlock, type EmitLine } from './lines.js';
import type { Masker } from './mask.js';
import type { LevelOf } from './levels.js';

export interface StreamContext {
  format: LogFormat;
  service: string;
  stream: ChildStream;
  masker: Masker | undefined;
  /** every line, decoded and masked: the ring and the caller's onLine */
  seen: (line: string) => void;
  /** many lines at once, in order; as seen for each (the ring keeps only its last ones) */
  seenAll?: (lines: string[]) => void;
  /** ISO time of now, cached per millisecond */
  now: () => string;
  /** the pretty prefix for this service at the current width */
  prefix: () => string;
  /** json: the level of a plain line (a preset's error-log levels); default info */
  levelOf?: LevelOf;
}

/** What one chunk gives the sink, in order: usually one piece (or none), a few at most. */
export type Output = (string | Buffer)[];

export interface ChunkProcessor {
  chunk(buf: Buffer): Output;
  end(): Output;
}

export function chunkProcessor(ctx: StreamContext): ChunkProcessor {
  const splitter = new LineSplitter(MAX_LINE_BYTES, ctx.masker);
  if (ctx.format === 'raw') return ctx.masker ? rawMasked(ctx, splitter, ctx.masker) : rawPassthrough(ctx, splitter);
  return encoded(ctx, splitter);
}

interface DecodedRun {
  lines: string[];
  /** lines.join('\n') when that is the decoded text as it is; undefined when \r or a secret changed a line */
  text: string | undefined;
  /** every byte was ASCII (so is the text, and latin1 encodes it as UTF-8 does, by a plain copy) */
  ascii: boolean;
}

/**
 * The lines of a run of whole lines (see EmitBlock), decoded with one toString: a \n never
 * falls inside a UTF-8 character, so this is what decoding line by line gives, and it
 * replaces invalid bytes the same way. \r before \n is dropped and secrets masked, as
 * the line-by-line path does.
 */
function decodeRun(buf: Buffer, start: number, end: number, masker: Masker | undefined): DecodedRun {
  const ascii = isAscii(buf.subarray(start, end));
  const text = buf.toString(ascii ? 'latin1' : 'utf8', start, end - 1); // latin1: the same text, decoded faster
  let lines = text.split('\n');
  let same = true;
  if (text.includes('\r')) {
    lines = lines.map((l) => (l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l));
    same = false;
  }
  if (masker && masker.mask(text) !== text) {
    lines = lines.map((l) => masker.mask(l));
    same = false;
  }
  return { lines, text: same ? text : undefined, ascii };
}

function seenAllOf(ctx: StreamContext): (lines: string[]) => void {
  if (ctx.seenAll) return ctx.seenAll;
  const { seen } = ctx;
  return (lines) => {
    for (let i = 0; i < lines.length; i++) seen(lines[i]!);
  };
}

function encoded(ctx: StreamContext, splitter: LineSplitter): ChunkProcessor {
  const { masker, seen } = ctx;
  const seenAll = seenAllOf(ctx);
  const json = ctx.format === 'json' ? jsonEncoder(ctx.service, ctx.stream, ctx.levelOf) : undefined;
  const jsonBlock = ctx.format === 'json' ? jsonBlockEncoder(ctx.service, ctx.stream, ctx.levelOf) : undefined;
  let out: Output = [];
  let lineOut: string[] = [];
  let time = '';
  let prefix = '';
  const flushLines = (): void => {
    if (lineOut.length > 0) out.push(lineOut.length === 1 ? lineOut[0]! : lineOut.join('')); // one flat string, not a rope
    lineOut = [];
  };
  const emit: EmitLine = (buf, start, end) => {
    let line = buf.toString('utf8', start, end); // invalid UTF-8 becomes U+FFFD
    if (masker) line = masker.mask(line);
    seen(line);
    lineOut.push(json ? json(line, time) : prefix + line + '\n');
  };
  const block: EmitBlock = (buf, start, end) => {
    // a line carried over from the last chunk came first: it goes out with the run, in one piece
    const before = lineOut.length > 0 ? lineOut.join('') : '';
    lineOut = [];
    const { lines, text, ascii } = decodeRun(buf, start, end, masker);
    seenAll(lines);
    const encoded = before + (jsonBlock ? jsonBlock(lines, text, time) : prefix + lines.join('\n' + prefix) + '\n');
    // ASCII in, and ASCII added (a colored prefix too): then latin1 encodes as UTF-8 does, by a plain copy
    out.push(ascii && (jsonBlock || isAsciiText(prefix)) && isAsciiText(before) ? Buffer.from(encoded, 'latin1') : encoded);
    return true;
  };
  const run = (feed: () => void): Output => {
    out = [];
    time = ctx.now();
    if (!json) prefix = ctx.prefix();
    feed();
    flushLines();
    return out;
  };
  return {
    chunk: (buf) => run(() => splitter.push(buf, emit, block)),
    end: () => run(() => splitter.end(emit)),
  };
}

const NON_ASCII = /[^\u0000-\u007f]/;
const isAsciiText = (s: string): boolean => !NON_ASCII.test(s);

/**
 * Raw without secrets: the chunk goes out as it came, at once. Its lines are only decoded for
 * `seen`, and that waits until the reads of this turn of the event loop are done (setImmediate):
 * the bytes are on their way to stdout first, and the child can refill its pipe meanwhile.
 */
function rawPassthrough(ctx: StreamContext, splitter: LineSplitter): ChunkProcessor {
  const { seen } = ctx;
  const seenAll = seenAllOf(ctx);
  const emit: EmitLine = (buf, start, end) => seen(buf.toString('utf8', start, end));
  const block: EmitBlock = (buf, start, end) => {
    seenAll(decodeRun(buf, start, end, undefined).lines);
    return true;
  };
  let pending: Buffer[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const catchUp = (): void => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const bufs = pending;
    pending = [];
    for (const buf of bufs) splitter.push(buf, emit, block);
  };
  return {
    chunk(buf) {
      pending.push(buf);
      scheduled ??= setImmediate(catchUp);
      return [buf];
    },
    end() {
      catchUp();
      splitter.end(emit);
      return [];
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
  const run = (feed: () => void): Output => {
    parts = [];
    feed();
    return parts.length > 0 ? [Buffer.concat(parts)] : [];
  };
  return {
    chunk: (buf) => run(() => splitter.push(buf, emit)),
    end: () => run(() => splitter.end(emit)),
  };
}

/**
 * What a chunk becomes when processing it threw (a bug in berth, never the child's fault):
 * its text, masked and escaped, one record at level error naming the failure.
 */
export function fallbackOutput(ctx: Pick<StreamContext, 'format' | 'service' | 'stream' | 'masker' | 'now'>, buf: Buffer, err: unknown): Output {
  let text: string;
  try {
    text = buf.toString('utf8');
    if (ctx.masker) text = ctx.masker.mask(text);
  } catch {
    text = '[a chunk of output berth could not mask was left out]';
  }
  if (ctx.format === 'raw') return [text];
  if (ctx.format === 'pretty') return [`${ctx.service} | ${text}${text.endsWith('\n') ? '' : '\n'}`];
  const why = err instanceof Error ? err.message : String(err);
  return [`{"level":"error","time":"${ctx.now()}","service":${JSON.stringify(ctx.service)},"stream":"${ctx.stream}","msg":${JSON.stringify(text)},"relayError":${JSON.stringify(why)}}\n`];
}
