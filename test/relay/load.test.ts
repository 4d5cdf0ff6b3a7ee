import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/output/relay/index.js';
import { createSink, type Sink } from '../../src/output/sink/index.js';
import { exited, spawnFixture, within } from '../helpers/relay.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Checks that each stream's lines arrive complete and in order: "out 00000000 xxx…". */
function sequenceChecker() {
  const next: Record<string, number> = { stdout: 0, stderr: 0 };
  const problems: string[] = [];
  return {
    next,
    problems,
    line(text: string): void {
      const rec = JSON.parse(text) as { stream: string; msg: string };
      const n = Number(rec.msg.slice(4, 12));
      if (n !== next[rec.stream] && problems.length < 5) problems.push(`${rec.stream}: expected ${next[rec.stream]}, got ${n}`);
      next[rec.stream] = n + 1;
    },
  };
}

describe('relay under load', () => {
  it('relays 1,000,000 lines per stream to a file with none lost or reordered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-relay-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'out.log');
    const fd = fs.openSync(file, 'w');
    const n = 1_000_000;
    const sink = createSink({ stdout: fd, stderr: fd });
    const relay = createRelay({ format: 'json', sink, secretValues: [], color: false });
    const started = performance.now();
    const child = spawnFixture('seq.mjs', [n, 'both']);
    await within(60_000, '2M lines relayed', Promise.all([relay.attach('seq', 'stdout', child.stdout!), relay.attach('seq', 'stderr', child.stderr!)]));
    expect(await sink.flush(10_000)).toBe(true);
    const seconds = (performance.now() - started) / 1000;
    fs.closeSync(fd);
    console.log(`relay json → file: ${2 * n} lines in ${seconds.toFixed(2)} s = ${Math.round((2 * n) / seconds)} lines/s`);

    const check = sequenceChecker();
    for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) check.line(line);
    expect(check.problems).toEqual([]);
    expect(check.next).toEqual({ stdout: n, stderr: n });
  });

  it('a stdout nobody reads pauses the child’s pipe: memory stays bounded, timers still fire, nothing is lost', async () => {
    const n = 300_000; // ~40 MB of JSON lines, far more than every buffer on the way
    const gate = spawnFixture('gate.mjs', [], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
    cleanups.push(() => gate.kill('SIGKILL'));
    const hwm = 1 << 20;
    const real = createSink({ stdout: gate.stdin!, stderr: gate.stdin!, highWaterMark: hwm });
    let full!: () => void;
    const becameFull = new Promise<void>((r) => (full = r));
    const sink: Sink = { ...real, write: (d, to) => real.write(d, to) || (full(), false) };
    const relay = createRelay({ format: 'json', sink, secretValues: [], color: false });

    const producer = spawnFixture('seq.mjs', [n]);
    cleanups.push(() => producer.kill('SIGKILL'));
    let producerDone = false;
    void exited(producer).then(() => (producerDone = true));
    const relayed = relay.attach('seq', 'stdout', producer.stdout!);

    await within(10_000, 'the sink to fill up', becameFull);
    // a window in which nothing may grow: the loop runs, the child's pipe stays paused
    const rssBefore = process.memoryUsage().rss;
    await within(2000, 'a timer while stdout is stuck', new Promise((r) => setTimeout(r, 300)));
    expect(producer.stdout!.isPaused()).toBe(true);
    expect(producerDone).toBe(false);
    expect(real.stats().buffered.stdout).toBeLessThan(hwm + 256 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(32 << 20);

    // open the gate: everything flows, in order
    const check = sequenceChecker();
    readline.createInterface({ input: gate.stdout! }).on('line', (l) => check.line(l));
    gate.send('open');
    await within(30_000, 'all lines after the gate opened', relayed);
    expect(await real.flush(10_000)).toBe(true);
    gate.stdin!.end();
    await within(10_000, 'gate exit', exited(gate));
    expect(check.problems).toEqual([]);
    expect(check.next.stdout).toBe(n);
    expect(await exited(producer)).toBe(0);
  });

  it('EPIPE on berth’s stdout: the relay drops lines, never throws, and still drains the child', async () => {
    const reader = spawn(process.execPath, ['-e', 'require("fs").closeSync(0); process.send("closed"); setInterval(() => {}, 1e6)'], {
      stdio: ['pipe', 'ignore', 'ignore', 'ipc'],
    });
    cleanups.push(() => reader.kill('SIGKILL'));
    await within(5000, 'reader closed its end', new Promise((r) => reader.once('message', r)));
    const sink = createSink({ stdout: reader.stdin!, stderr: reader.stdin! });
    const relay = createRelay({ format: 'json', sink, secretValues: [], color: false });
    const producer = spawnFixture('seq.mjs', [100_000]);
    const lines: string[] = [];
    await within(20_000, 'relay after EPIPE', relay.attach('seq', 'stdout', producer.stdout!, (l) => lines.push(l)));
    expect(await exited(producer)).toBe(0);
    expect(lines).toHaveLength(100_000);
    expect(sink.stats().closed.stdout).toBe('EPIPE');
    expect(sink.stats().dropped.stdout).toBeGreaterThan(0);
    expect(relay.lastLines('seq', 1)[0]).toMatch(/^out 00099999 /);
  });
});
