import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRelay, type RelayOptions } from '../../src/output/relay/index.js';
import { createSink } from '../../src/output/sink/index.js';
import { Collector, exited, spawnFixture, within } from '../helpers/relay.js';

const T = Date.UTC(2026, 10, 22, 10, 0, 0, 0);
const TIME = '2026-11-22T10:00:00.000Z';

function setup(opts: Partial<RelayOptions> = {}) {
  const out = new Collector();
  const err = new Collector();
  const sink = createSink({ stdout: out, stderr: err });
  const relay = createRelay({ format: 'json', sink, secretValues: [], color: false, clock: () => T, ...opts });
  return { out, err, sink, relay };
}

/** Runs emit.mjs with these bytes on stdout (and stderr) through the relay. */
async function relayBytes(r: ReturnType<typeof setup>, stdout: Buffer | string, stderr?: Buffer | string, onLine?: (l: string) => void) {
  const b64 = (x: Buffer | string) => Buffer.from(x).toString('base64');
  const child = spawnFixture('emit.mjs', stderr === undefined ? ['b64', b64(stdout)] : ['b64', b64(stdout), b64(stderr)]);
  await within(10_000, 'relay of emit.mjs', Promise.all([r.relay.attach('app', 'stdout', child.stdout!, onLine), r.relay.attach('app', 'stderr', child.stderr!, onLine)]));
  expect(await exited(child)).toBe(0);
  expect(await r.sink.flush(5000)).toBe(true);
}

describe('relay, json', () => {
  it('one JSON line per child line with service, stream and msg', async () => {
    const r = setup();
    await relayBytes(r, 'hello\nworld\n', 'oops\n');
    expect(r.out.records()).toEqual([
      { level: 'info', time: TIME, service: 'app', stream: 'stdout', msg: 'hello' },
      { level: 'info', time: TIME, service: 'app', stream: 'stdout', msg: 'world' },
      { level: 'info', time: TIME, service: 'app', stream: 'stderr', msg: 'oops' },
    ]);
    expect(r.err.text()).toBe('');
  });

  it('escapes quotes, backslashes, tabs and control characters', async () => {
    const r = setup();
    const line = 'say "hi"\\ \t tab \x1b[31mred\x1b[0m \u2028 ünïcødé 🚀';
    await relayBytes(r, line + '\n');
    expect(r.out.records()[0]!.msg).toBe(line);
  });

  it('a child JSON object keeps its text and fields; berth adds service and stream, and keeps the child’s as child.*', async () => {
    const r = setup();
    await relayBytes(
      r,
      [
        '{"level":30,"time":1700000000000,"event":"ready","id":12345678901234567890,"msg":"up"}',
        '{"service":"db","stream":"stderr","msg":"forged"}',
        '{}',
        '{"not json',
        '[1,2]',
      ].join('\n') + '\n',
    );
    const lines = r.out.lines();
    // the child's own text, big number and all, is spliced in unchanged; its level read as pino's name
    expect(lines[0]).toBe('{"level":"info","time":1700000000000,"event":"ready","id":12345678901234567890,"msg":"up","service":"app","stream":"stdout"}');
    expect(JSON.parse(lines[1]!)).toEqual({ level: 'info', time: TIME, 'child.service': 'db', 'child.stream': 'stderr', service: 'app', stream: 'stdout', msg: 'forged' });
    expect(lines[1]!.match(/"service"/g)).toHaveLength(1);
    expect(JSON.parse(lines[2]!)).toEqual({ level: 'info', time: TIME, service: 'app', stream: 'stdout' });
    expect(JSON.parse(lines[3]!)).toMatchObject({ service: 'app', msg: '{"not json' });
    expect(JSON.parse(lines[4]!)).toMatchObject({ service: 'app', msg: '[1,2]' });
  });

  it('strips the \\r of CRLF and writes a last line that has no newline', async () => {
    const r = setup();
    await relayBytes(r, 'dos\r\nline\r\nno newline at the end');
    expect(r.out.records().map((x) => x.msg)).toEqual(['dos', 'line', 'no newline at the end']);
  });

  it('replaces invalid UTF-8 with U+FFFD and goes on', async () => {
    const r = setup();
    await relayBytes(r, Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bytes\nnext\n')]));
    expect(r.out.records().map((x) => x.msg)).toEqual(['bad \uFFFD\uFFFD\uFFFD bytes', 'next']);
  });

  it('splits lines over 64 KiB into 64 KiB pieces, without halving a character', async () => {
    const r = setup();
    const child = spawnFixture('emit.mjs', ['long', 200_000, 'é', 'nl']); // 100,000 two-byte chars
    await within(10_000, 'long line', r.relay.attach('app', 'stdout', child.stdout!));
    await r.sink.flush(5000);
    const msgs = r.out.records().map((x) => x.msg as string);
    expect(msgs.map((m) => Buffer.byteLength(m))).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect(msgs.join('')).toBe('é'.repeat(100_000));
  });

  it('a 10 MiB line with no newline arrives whole, in 160 pieces of 64 KiB', async () => {
    const r = setup();
    const size = 10 * 1024 * 1024;
    const child = spawnFixture('emit.mjs', ['long', size, 'abcdefgh']);
    await within(20_000, '10 MiB line', r.relay.attach('app', 'stdout', child.stdout!));
    await r.sink.flush(5000);
    const msgs = r.out.records().map((x) => x.msg as string);
    expect(msgs).toHaveLength(size / 65536);
    expect(msgs.every((m) => m.length === 65536 && m.startsWith('abcdefgh'))).toBe(true);
  });

  it('binary output in json: never fatal, one valid record per line', async () => {
    const r = setup();
    const child = spawnFixture('emit.mjs', ['random', 1 << 20, 7]);
    const lines: string[] = [];
    await within(10_000, 'binary', r.relay.attach('app', 'stdout', child.stdout!, (l) => lines.push(l)));
    await r.sink.flush(5000);
    const records = r.out.records();
    expect(records.length).toBe(lines.length);
    expect(records.length).toBeGreaterThan(3000); // ~1 in 256 bytes is \n
    expect(records.every((x) => x.service === 'app' && typeof x.msg === 'string')).toBe(true);
  });
});

describe('relay, pretty and raw', () => {
  it('pretty: `name | line`, names padded to the longest, a color per service', async () => {
    const r = setup({ format: 'pretty' });
    const a = new PassThrough();
    const b = new PassThrough();
    const done = Promise.all([r.relay.attach('php-fpm', 'stdout', a), r.relay.attach('app', 'stderr', b)]);
    a.end('ready to handle connections\n');
    b.end('{"json":"stays as is"}\n');
    await done;
    await r.sink.flush(1000);
    expect(r.out.lines().sort()).toEqual(['app     | {"json":"stays as is"}', 'php-fpm | ready to handle connections']);

    const c = setup({ format: 'pretty', color: true });
    const s1 = new PassThrough();
    const s2 = new PassThrough();
    const both = Promise.all([c.relay.attach('one', 'stdout', s1), c.relay.attach('two', 'stdout', s2)]);
    s1.end('x\n');
    s2.end('y\n');
    await both;
    await c.sink.flush(1000);
    const colors = c.out.lines().map((l) => l.slice(0, l.indexOf('m') + 1));
    expect(colors[0]).toMatch(/^\x1b\[\d+m$/);
    expect(new Set(colors).size).toBe(2);
  });

  it('raw: the child’s bytes unchanged, stdout to stdout and stderr to stderr; onLine still per line', async () => {
    const r = setup({ format: 'raw' });
    const outBytes = Buffer.concat([Buffer.from('a\r\nb\n'), Buffer.from([0, 0xff, 0x80]), Buffer.from('\nno newline')]);
    const lines: string[] = [];
    await relayBytes(r, outBytes, 'err line\n', (l) => lines.push(l));
    expect(r.out.bytes()).toEqual(outBytes);
    expect(r.err.text()).toBe('err line\n');
    expect(lines.filter((l) => l !== 'err line')).toEqual(['a', 'b', '\u0000\uFFFD\uFFFD', 'no newline']);
    expect(lines).toContain('err line');
  });

  it('raw: binary output passes through byte for byte', async () => {
    const r = setup({ format: 'raw' });
    const child = spawnFixture('emit.mjs', ['random', 1 << 20, 3]);
    await within(10_000, 'binary raw', r.relay.attach('app', 'stdout', child.stdout!));
    await r.sink.flush(5000);
    const again = spawnFixture('emit.mjs', ['random', 1 << 20, 3]);
    const direct: Buffer[] = [];
    again.stdout!.on('data', (c: Buffer) => direct.push(c));
    await exited(again);
    expect(r.out.bytes().equals(Buffer.concat(direct))).toBe(true);
  });
});

describe('relay, secrets', () => {
  const secret = 's3cr3t-p@ss';

  it('masks every secret value in json, pretty and raw', async () => {
    for (const format of ['json', 'pretty', 'raw'] as const) {
      const r = setup({ format, secretValues: [secret, 'other-token'] });
      await relayBytes(r, `login ${secret} ok\n{"password":"${secret}"}\n`, `other-token and ${secret}${secret}\n`);
      const all = r.out.text() + r.err.text();
      expect(all, format).not.toContain(secret);
      expect(all, format).not.toContain('other-token');
      expect(all, format).toContain('login *** ok');
      expect(all, format).toContain('*** and ******');
      expect(r.relay.lastLines('app').join('\n')).not.toContain(secret);
    }
  });

  it('masks a secret split across chunks, and across a 64 KiB cut', async () => {
    for (const format of ['json', 'raw'] as const) {
      const r = setup({ format, secretValues: [secret] });
      const s = new PassThrough();
      const done = r.relay.attach('app', 'stdout', s);
      s.write('first half s3cr');
      s.write('3t-p@ss second\n');
      s.write('y'.repeat(65536 - 5));
      s.end(`${secret} after the cut\n`);
      await done;
      await r.sink.flush(1000);
      expect(r.out.text(), format).not.toContain(secret);
      expect(r.out.text(), format).toContain('first half *** second');
    }
  });

  it('masks the JSON-escaped form, each line of a multi-line secret, and a value read with its newline', async () => {
    const r = setup({ secretValues: ['pa"ss\\word', 'line-one-of-key\nline-two-of-key\n}', 'from-a-file\n'] });
    await relayBytes(r, '{"pw":"pa\\"ss\\\\word"}\nkey: line-two-of-key\nfile: from-a-file\n{"brace":"}"}\n');
    const msgs = r.out.lines();
    expect(msgs[0]).toContain('"pw":"***"');
    expect(JSON.parse(msgs[1]!).msg).toBe('key: ***');
    expect(JSON.parse(msgs[2]!).msg).toBe('file: ***');
    expect(JSON.parse(msgs[3]!).brace).toBe('}'); // a short line of a multi-line secret is not masked
  });
});

describe('relay, lastLines', () => {
  it('keeps the last 20 lines of a service, oldest first', async () => {
    const r = setup();
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    await relayBytes(r, lines.join('\n') + '\n');
    expect(r.relay.lastLines('app')).toEqual(lines.slice(10));
    expect(r.relay.lastLines('app', 3)).toEqual(lines.slice(27));
    expect(r.relay.lastLines('nobody')).toEqual([]);
  });
});
