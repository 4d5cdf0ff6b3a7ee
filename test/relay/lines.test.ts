import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/output/relay/lines.js';
import { createMasker } from '../../src/output/relay/mask.js';

interface Piece {
  content: Buffer;
  eol: Buffer;
}

/** Feeds chunks through a splitter and collects what it emits. */
function split(chunks: Buffer[], max = 16, secrets: string[] = []): Piece[] {
  const s = new LineSplitter(max, createMasker(secrets));
  const out: Piece[] = [];
  const emit = (buf: Buffer, start: number, end: number, eol: number): void => {
    out.push({ content: Buffer.from(buf.subarray(start, end)), eol: Buffer.from(buf.subarray(end, end + eol)) });
  };
  for (const c of chunks) s.push(c, emit);
  s.end(emit);
  return out;
}

const texts = (pieces: Piece[]): string[] => pieces.map((p) => p.content.toString());
const b = (s: string): Buffer => Buffer.from(s);

describe('LineSplitter', () => {
  it('splits on \\n, drops the \\r of a CRLF even across chunks, keeps a lone \\r', () => {
    expect(texts(split([b('a\nb\r'), b('\nc\rd\n')]))).toEqual(['a', 'b', 'c\rd']);
  });

  it('emits a last line without newline at the end, and empty lines as empty', () => {
    expect(texts(split([b('a\n\n'), b('tail')]))).toEqual(['a', '', 'tail']);
  });

  it('cuts lines longer than the limit into pieces of at most the limit', () => {
    const pieces = split([b('x'.repeat(40) + '\n')], 16);
    expect(texts(pieces)).toEqual(['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(8)]);
    expect(pieces.map((p) => p.eol.toString())).toEqual(['', '', '\n']);
  });

  it('a line of exactly the limit followed by CRLF gives no extra empty line', () => {
    const line = 'y'.repeat(16);
    expect(texts(split([b(line + '\r'), b('\n')]))).toEqual([line]);
    expect(texts(split([b(line), b('\r'), b('\n')]))).toEqual([line]);
  });

  it('never cuts inside a UTF-8 character', () => {
    const line = 'é'.repeat(20); // 2 bytes each: a cut at 17 bytes would halve one
    const pieces = split([b(line + '\n')], 17);
    expect(pieces.every((p) => !p.content.toString().includes('\uFFFD'))).toBe(true);
    expect(texts(pieces).join('')).toBe(line);
  });

  it('never cuts inside a secret', () => {
    const line = 'a'.repeat(13) + 'SECRET' + 'b'.repeat(20);
    const pieces = split([b(line.slice(0, 10)), b(line.slice(10) + '\n')], 16, ['SECRET']);
    expect(texts(pieces).some((t) => t.includes('SECRET'))).toBe(true);
    expect(texts(pieces).join('')).toBe(line);
  });

  it('never cuts inside a secret written with JSON escapes', () => {
    const escaped = '\\u0053\\u0045CRET'; // SECRET as \u0053\u0045CRET: 16 bytes
    const line = 'a'.repeat(20) + escaped + 'b'.repeat(20);
    const pieces = split([b(line + '\n')], 24, ['SECRET']);
    expect(texts(pieces).some((t) => t.includes(escaped))).toBe(true);
    expect(texts(pieces).join('')).toBe(line);
  });

  it('property: pieces and their line ends give back the input; no piece is over the limit or holds \\n', () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.map((x) => (x % 5 === 0 ? 10 : x % 7 === 0 ? 13 : x))));
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(300), { maxLength: 6 }), fc.integer({ min: 4, max: 40 }), (input, cuts, max) => {
        const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((x, y) => x - y);
        const chunks = [0, ...points, input.length].slice(1).map((end, i, all) => input.subarray(i === 0 ? 0 : all[i - 1], end));
        const pieces = split(chunks, max);
        expect(Buffer.concat(pieces.flatMap((p) => [p.content, p.eol]))).toEqual(input);
        for (const p of pieces) {
          expect(p.content.length).toBeLessThanOrEqual(max);
          expect(p.content.includes(10)).toBe(false);
        }
      }),
    );
  });
});
