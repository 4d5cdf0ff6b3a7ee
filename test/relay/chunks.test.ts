import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkProcessor } from '../../src/output/relay/chunks.js';
import { createMasker } from '../../src/output/relay/mask.js';
import type { LogFormat } from '../../src/types.js';

const TIME = '2026-11-22T10:00:00.000Z';

/** Feeds chunks through one stream's processor; what the sink would get, and every line seen. */
function relay(format: LogFormat, chunks: Buffer[], secrets: string[] = [], prefix = 'app | ') {
  const seen: string[] = [];
  const p = chunkProcessor({
    format,
    service: 'app',
    stream: 'stdout',
    masker: createMasker(secrets),
    seen: (l) => seen.push(l),
    seenAll: (ls) => seen.push(...ls),
    now: () => TIME,
    prefix: () => prefix,
  });
  const out: Buffer[] = [];
  for (const c of chunks) for (const piece of p.chunk(c)) out.push(Buffer.from(piece));
  for (const piece of p.end()) out.push(Buffer.from(piece));
  return { out: Buffer.concat(out).toString('latin1'), seen };
}

/** One byte per chunk: never two newlines in a chunk, so every line takes the line-by-line path. */
const byteByByte = (input: Buffer): Buffer[] => [...input].map((b) => Buffer.from([b]));

// bytes that matter to the relay: newlines, CR, what JSON escapes, a JSON object's brace,
// UTF-8 (é, 🚀) whole and cut, invalid bytes, and the pieces of a secret
const ATOMS = ['\n', '\n', '\n', '\r', '"', '\\', '{', '}', '\t', '\x1b[31m', 'é', '🚀', 'plain text ', 'abc', 's3cr', '3t', 's3cr3t', 's3cr3t', '{"a":1}', '\n{"x":"y"}\n'];
const input = fc
  .array(fc.oneof(fc.constantFrom(...ATOMS).map((s) => Buffer.from(s)), fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xf0, 0x9f]))), { maxLength: 60 })
  .map((parts) => Buffer.concat(parts));

describe('chunk processor: a run of whole lines gives what line by line gives', () => {
  for (const format of ['json', 'pretty', 'raw'] as const) {
    for (const secrets of [[], ['s3cr3t']]) {
      it(`${format}${secrets.length ? ', with a secret' : ''}`, () => {
        fc.assert(
          fc.property(input, fc.array(fc.nat(400), { maxLength: 5 }), (bytes, cuts) => {
            const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            const chunks = [...points, bytes.length].map((end, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], end));
            expect(relay(format, chunks, secrets)).toEqual(relay(format, byteByByte(bytes), secrets));
          }),
          { numRuns: 300 },
        );
      });
    }
  }

  it('pretty with a non-ASCII or colored prefix', () => {
    for (const prefix of ['ünï | ', '\x1b[36mapp\x1b[0m | ']) {
      const bytes = Buffer.from('one\ntwo é\nthree\n');
      expect(relay('pretty', [bytes], [], prefix)).toEqual(relay('pretty', byteByByte(bytes), [], prefix));
      expect(relay('pretty', [bytes], [], prefix).out).toBe(Buffer.from(`${prefix}one\n${prefix}two é\n${prefix}three\n`).toString('latin1'));
    }
  });

  it('json: plain lines become one record each', () => {
    const { out, seen } = relay('json', [Buffer.from('a\nb c\n')]);
    expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { level: 'info', time: TIME, service: 'app', stream: 'stdout', msg: 'a' },
      { level: 'info', time: TIME, service: 'app', stream: 'stdout', msg: 'b c' },
    ]);
    expect(seen).toEqual(['a', 'b c']);
  });
});
