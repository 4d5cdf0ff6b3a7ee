import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSink, type Sink, type SinkTarget } from '../../src/output/sink/index.js';
import { Collector, exited, spawnFixture, within } from '../helpers/relay.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmpdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sink-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A child that never reads its stdin: its stdin is a destination nobody drains. */
function neverRead() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

function nextDrain(sink: Sink): Promise<SinkTarget> {
  return new Promise((resolve) => {
    const off = sink.onDrain((to) => {
      off();
      resolve(to);
    });
  });
}

describe('sink', () => {
  it('writes strings and buffers to the injected streams in order', async () => {
    const out = new Collector();
    const err = new Collector();
    const sink = createSink({ stdout: out, stderr: err });
    sink.write('a\n');
    sink.write(Buffer.from('b\n'));
    sink.write('x\n', 'stderr');
    sink.write('c\n', 'stdout');
    expect(await sink.flush(1000)).toBe(true);
    expect(out.text()).toBe('a\nb\nc\n');
    expect(err.text()).toBe('x\n');
  });

  it('says full above the high-water mark and drains after the destination catches up', async () => {
    const out = new Collector();
    const sink = createSink({ stdout: out, stderr: new Collector(), highWaterMark: 1000 });
    expect(sink.write('x'.repeat(600))).toBe(true);
    expect(sink.write('y'.repeat(600))).toBe(false);
    expect(await within(1000, 'drain', nextDrain(sink))).toBe('stdout');
    expect(await sink.flush(1000)).toBe(true);
    expect(out.text()).toBe('x'.repeat(600) + 'y'.repeat(600));
  });

  it('onDrain returns its remover', async () => {
    const sink = createSink({ stdout: new Collector(), stderr: new Collector(), highWaterMark: 10 });
    let calls = 0;
    const off = sink.onDrain(() => calls++);
    off();
    sink.write('x'.repeat(100));
    await within(1000, 'a listener that stays', nextDrain(sink));
    expect(calls).toBe(0);
  });

  it('a destination that is never read keeps the event loop free and holds only what was written', async () => {
    const child = neverRead();
    const sink = createSink({ stdout: child.stdin!, stderr: new Collector(), highWaterMark: 1 << 20 });
    const block = Buffer.alloc(64 * 1024, 'z');
    let accepted = true;
    for (let i = 0; i < 128; i++) accepted = sink.write(block) && accepted; // 8 MiB
    expect(accepted).toBe(false);
    await within(1000, 'a timer while stdout is stuck', new Promise((r) => setTimeout(r, 10)));
    expect(sink.stats().buffered.stdout).toBeGreaterThan(1 << 20);
    expect(sink.stats().buffered.stdout).toBeLessThanOrEqual(8 << 20);
    expect(await sink.flush(50)).toBe(false);
  });

  it('EPIPE on the destination never throws: later writes are dropped and counted', async () => {
    // the child closes its end of the pipe and stays alive: the next write gets EPIPE
    const child = spawn(process.execPath, ['-e', 'require("fs").closeSync(0); process.send("closed"); setInterval(() => {}, 1e6)'], {
      stdio: ['pipe', 'ignore', 'ignore', 'ipc'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    await within(5000, 'child closed stdin', new Promise((r) => child.once('message', r)));
    const sink = createSink({ stdout: child.stdin!, stderr: new Collector() });
    sink.write('lost\n');
    expect(await within(2000, 'flush after EPIPE', sink.flush(2000))).toBe(true);
    expect(sink.stats().closed.stdout).toBe('EPIPE');
    expect(sink.write('also lost\n')).toBe(true);
    expect(sink.stats().dropped.stdout).toBeGreaterThanOrEqual('also lost\n'.length);
    sink.dispose();
  });

  it('a stream destroyed before the first write counts as closed', async () => {
    const out = new Collector();
    out.destroy();
    const sink = createSink({ stdout: out, stderr: new Collector() });
    sink.write('x\n');
    expect(await within(1000, 'flush', sink.flush(1000))).toBe(true);
    expect(sink.stats().closed.stdout).toBe('ERR_STREAM_DESTROYED');
  });

  it('writes to a file fd with fs.write, in order', async () => {
    const file = path.join(tmpdir(), 'out.log');
    const fd = fs.openSync(file, 'w');
    cleanups.push(() => fs.closeSync(fd));
    const sink = createSink({ stdout: fd, stderr: fd });
    for (let i = 0; i < 10_000; i++) sink.write(i % 2 ? `${i}\n` : Buffer.from(`${i}\n`));
    expect(await sink.flush(5000)).toBe(true);
    const got = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map(Number);
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(sink.isTTY()).toBe(false);
  });

  it('a FIFO whose reader went away gives EPIPE, not a crash', async () => {
    const fifo = path.join(tmpdir(), 'fifo');
    await exited(spawn('mkfifo', [fifo]));
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
    fs.closeSync(reader);
    const sink = createSink({ stdout: writer, stderr: new Collector() });
    sink.write('nobody reads this\n');
    expect(await within(2000, 'flush', sink.flush(2000))).toBe(true);
    expect(sink.stats().closed.stdout).toBe('EPIPE');
    sink.dispose();
  });

  it('on a real stdout pipe nobody reads, berth still runs timers', async () => {
    const child = spawnFixture('sink-stdout.ts', ['stuck', 16 << 20], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const report = await within(20_000, 'report from a child with a stuck stdout', new Promise<Record<string, unknown>>((r) => child.once('message', (m) => r(m as Record<string, unknown>))));
    expect(report).toMatchObject({ accepted: false, timerFired: true });
    expect(report.buffered).toBeGreaterThan(1 << 20);
  });

  it('EPIPE on the real fd 1 does not crash the process', async () => {
    const child = spawnFixture('sink-stdout.ts', ['epipe'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    cleanups.push(() => child.kill('SIGKILL'));
    await within(20_000, 'fixture ready', new Promise((r) => child.once('message', r)));
    child.stdout!.destroy(); // the reader goes away, as when `docker logs -f | head` ends
    const report = new Promise<Record<string, any>>((r) => child.once('message', (m) => r(m as Record<string, any>)));
    child.send('write');
    expect(await within(10_000, 'report after EPIPE', report)).toMatchObject({ flushed: true, closed: { stdout: 'EPIPE' } });
    expect((await report).dropped.stdout).toBeGreaterThan(0);
    expect(await within(10_000, 'exit', exited(child))).toBe(0);
  });

  it('flush before exit loses nothing, on a pipe and on a TTY', async () => {
    const lines = 200_000;
    const check = (text: string): void => {
      const got = text.replace(/\r\n/g, '\n').trimEnd().split('\n');
      expect(got.length).toBe(lines + 1);
      expect(got[lines - 1]).toBe(`line ${lines - 1}`);
      expect(got.slice(0, lines).every((l, i) => l === `line ${i}`)).toBe(true);
      return void expect(got[lines]).toMatch(/^done tty=(true|false) ok=true$/);
    };

    const piped = spawnFixture('sink-stdout.ts', ['all', lines]);
    const chunks: Buffer[] = [];
    piped.stdout!.on('data', (c: Buffer) => chunks.push(c));
    expect(await within(20_000, 'piped child exit', exited(piped))).toBe(0);
    check(Buffer.concat(chunks).toString());
    expect(Buffer.concat(chunks).toString()).toContain('done tty=false ok=true');

    // `script` gives the child a pseudo-terminal, as `docker run -t` does
    const cmd = `${process.execPath} --import tsx test/fixtures/relay/sink-stdout.ts all ${lines}`;
    const tty = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ttyChunks: Buffer[] = [];
    tty.stdout!.on('data', (c: Buffer) => ttyChunks.push(c));
    expect(await within(20_000, 'tty child exit', exited(tty))).toBe(0);
    check(Buffer.concat(ttyChunks).toString());
    expect(Buffer.concat(ttyChunks).toString()).toContain('done tty=true ok=true');
  });
});
