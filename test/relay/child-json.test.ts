// A child's JSON line: read without building it (any depth), its bytes kept, berth's
// fields spliced in, clashes kept under child.NAME, levels read as pino's names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanObject } from '../../src/output/relay/child-json.js';
import { jsonEncoder } from '../../src/output/relay/format.js';
import { childLevel } from '../../src/output/relay/levels.js';

const TIME = '2026-11-22T10:00:00.000Z';
const encode = jsonEncoder('app', 'stdout');
const out = (line: string) => encode(line, TIME).replace(/\n$/, '');

const isObject = (text: string): boolean => {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
};

/** JSON texts, then damaged: a character dropped, doubled or replaced */
const jsonish = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.constantFrom('drop', 'dup', 'swap', 'keep'), fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '1', 'e', '-', '.', ' ', '\u0001', 'u', 'n'))
  .map(([value, at, how, ch]) => {
    const text = JSON.stringify({ v: value, w: value }, null, at % 3 === 0 ? 1 : undefined);
    const i = at % text.length;
    if (how === 'drop') return text.slice(0, i) + text.slice(i + 1);
    if (how === 'dup') return text.slice(0, i) + text[i] + text.slice(i);
    if (how === 'swap') return text.slice(0, i) + ch + text.slice(i + 1);
    return text;
  });

describe('scanObject', () => {
  it('says "an object" exactly when JSON.parse does (4,000 damaged and intact texts)', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(scanObject(text) !== undefined, text).toBe(isObject(text));
      }),
      { numRuns: 4_000 },
    );
  });

  it('finds every top-level key, decoded, with its value’s exact text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (obj) => {
        const text = JSON.stringify(obj);
        const scanned = scanObject(text)!;
        expect(scanned.members.map((m) => m.key)).toEqual(Object.keys(JSON.parse(text) as object));
        for (const m of scanned.members) expect(JSON.parse(text.slice(m.valueStart, m.valueEnd))).toEqual((JSON.parse(text) as Record<string, unknown>)[m.key]);
      }),
      { numRuns: 500 },
    );
  });

  it('any depth, without recursion: 1,000,000 nested arrays and 100,000 nested objects', () => {
    const n = 1_000_000;
    expect(scanObject(`{"a":${'['.repeat(n)}${']'.repeat(n)}}`)?.members.map((m) => m.key)).toEqual(['a']);
    const m = 100_000;
    expect(scanObject(`{"a":${'{"b":'.repeat(m)}null${'}'.repeat(m)},"c":1}`)?.members.map((x) => x.key)).toEqual(['a', 'c']);
    expect(scanObject(`{"a":${'['.repeat(n)}${']'.repeat(n - 1)}}`)).toBeUndefined();
  });
});

describe('a child JSON line keeps its bytes', () => {
  it('big integers, 1e400, escapes, key order and spacing reach the log unchanged', () => {
    const line = '{"id": 1234567890123456789, "inf":1e400,"neg":-0.0e-0,"s":"\\u00e4\\/x","nested":{"service":"inner"}}';
    expect(out(line)).toBe(`{"level":"info","time":"${TIME}","id": 1234567890123456789, "inf":1e400,"neg":-0.0e-0,"s":"\\u00e4\\/x","nested":{"service":"inner"},"service":"app","stream":"stdout"}`);
  });

  it('a child’s service and stream are kept as child.service and child.stream; berth’s go last', () => {
    const rec = JSON.parse(out('{"service":"orders","stream":"kafka","child.service":"taken","big":1234567890123456789}'));
    expect(rec).toMatchObject({ 'child.service': 'taken', 'child.child.service': 'orders', 'child.stream': 'kafka', service: 'app', stream: 'stdout' });
    expect(out('{"service":"orders","big":1234567890123456789}')).toContain('"big":1234567890123456789');
    expect(out('{"\\u0073ervice":"escaped key"}')).toBe(`{"level":"info","time":"${TIME}","child.service":"escaped key","service":"app","stream":"stdout"}`);
  });

  it('every spliced line is one JSON object with berth’s service and stream, whatever the child’s members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('service', 'stream', 'level', 'time', 'msg', 'child.service', 'x'), fc.jsonValue({ maxDepth: 2 })), (obj) => {
        const rec = JSON.parse(out(JSON.stringify(obj))) as Record<string, unknown>;
        expect(rec.service).toBe('app');
        expect(rec.stream).toBe('stdout');
        expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(rec.level);
        // nothing the child said is lost
        const sent = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
        for (const [key, value] of Object.entries(sent)) {
          if (key === 'service' || key === 'stream') expect(rec['child.service' in sent && key === 'service' ? 'child.child.service' : `child.${key}`]).toEqual(value);
          else if (key === 'level') expect(rec.level === value || (typeof value === 'number' && value % 10 === 0) || rec['child.level'] !== undefined).toBe(true);
          else expect(rec[key]).toEqual(value);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('deep JSON with a service key: spliced, not re-serialized (no stack overflow)', () => {
    const deep = `{"service":"x","a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const line = out(deep);
    expect(line.startsWith(`{"level":"info","time":"${TIME}","child.service":"x","a":[[[`)).toBe(true);
    expect(line.endsWith(']]],"service":"app","stream":"stdout"}')).toBe(true);
  });
});

describe('a child’s level', () => {
  it('becomes pino’s name; the child’s value is kept as child.level when it said more', () => {
    const level = (v: string) => JSON.parse(out(`{"level":${v},"msg":"m"}`)) as Record<string, unknown>;
    expect(level('"info"')).toEqual({ level: 'info', time: TIME, msg: 'm', service: 'app', stream: 'stdout' });
    expect(level('30')).toEqual({ level: 'info', time: TIME, msg: 'm', service: 'app', stream: 'stdout' });
    expect(level('50').level).toBe('error');
    expect(level('"WARNING"')).toMatchObject({ level: 'warn', 'child.level': 'WARNING' });
    expect(level('"notice"')).toMatchObject({ level: 'info', 'child.level': 'notice' });
    expect(level('"crit"')).toMatchObject({ level: 'fatal', 'child.level': 'crit' });
    expect(level('35')).toMatchObject({ level: 'info', 'child.level': 35 });
    expect(level('"banana"')).toMatchObject({ level: 'info', 'child.level': 'banana' });
    expect(level('{"deep":[1]}')).toMatchObject({ level: 'info', 'child.level': { deep: [1] } });
    expect(level('"constructor"')).toMatchObject({ level: 'info', 'child.level': 'constructor' });
    expect(childLevel('1e400')).toEqual({ level: 'info', same: false });
  });

  it('a plain line gets the level its service’s preset reads in it', () => {
    const enc = jsonEncoder('nginx', 'stderr', (l) => (l.includes('[error]') ? 'error' : undefined));
    expect(JSON.parse(enc('2026/12/06 06:00:00 [error] 7#7: *1 connect() failed', TIME)).level).toBe('error');
    expect(JSON.parse(enc('a plain line', TIME)).level).toBe('info');
  });
});
