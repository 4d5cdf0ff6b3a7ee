#!/usr/bin/env node
// Baseline for berth's relay benchmark: how fast a child can push N fixed-size lines
// through a real OS pipe with nothing in between. The lead wires the side-by-side run
// (the same writer under berth) by passing `wrap`, e.g.
//   measurePipeThroughput({ wrap: (argv) => ['node', 'bin/berth.js', '--log-format', 'json', '--', ...argv] })
//
// Usage: node bench/relay.mjs [lines=1000000] [lineBytes=100] [batchLines=1000] [runs=3]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The writer, inlined so the benchmark needs no fixture file: argv = lines, lineBytes, batchLines. */
const WRITER = `
const [n, size, batch] = process.argv.slice(1).map(Number);
const pad = 'x'.repeat(size - 12);
let i = 0;
function pump() {
  while (i < n) {
    const k = Math.min(batch, n - i);
    let block = '';
    for (let j = 0; j < k; j++, i++) block += String(i).padStart(10, '0') + ' ' + pad + '\\n';
    if (!process.stdout.write(block)) return process.stdout.once('drain', pump);
  }
}
pump();
`;

/** argv of a child that writes `lines` lines of exactly `lineBytes` bytes (newline included), `batchLines` per write. */
export function writerArgv(lines = 1_000_000, lineBytes = 100, batchLines = 1000) {
  if (lineBytes < 13) throw new Error('lineBytes must be at least 13 (sequence number, space, newline)');
  return [process.execPath, '-e', WRITER, String(lines), String(lineBytes), String(batchLines)];
}

/**
 * Runs `wrap(writerArgv(...))` with its stdout on a real pipe into `wc -c` (a FIFO made by
 * /bin/sh, as Docker gives a container), and times spawn → exit.
 * Returns payload throughput: the writer's bytes and lines per second, plus the bytes
 * that reached the reader (more than the payload when a relay adds JSON around each line).
 */
export async function measurePipeThroughput({ lines = 1_000_000, lineBytes = 100, batchLines = 1000, wrap = (argv) => argv } = {}) {
  const argv = wrap(writerArgv(lines, lineBytes, batchLines));
  const started = process.hrtime.bigint();
  const child = spawn('/bin/sh', ['-c', '"$@" | wc -c', 'bench', ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`benchmark pipeline exited with ${code}`);
  const payloadBytes = lines * lineBytes;
  return {
    lines,
    lineBytes,
    batchLines,
    seconds,
    payloadBytes,
    readerBytes: Number(out.trim()),
    mbPerSec: payloadBytes / 1e6 / seconds,
    linesPerSec: lines / seconds,
  };
}

/** Median of `runs` measurements by time (the first run also warms the page cache and JIT). */
export async function medianThroughput(opts = {}, runs = 3) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measurePipeThroughput(opts));
  results.sort((a, b) => a.seconds - b.seconds);
  return results[Math.floor(results.length / 2)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [lines, lineBytes, batchLines, runs] = process.argv.slice(2).map(Number);
  const r = await medianThroughput({ lines: lines || undefined, lineBytes: lineBytes || undefined, batchLines: batchLines || undefined }, runs || 3);
  console.log(JSON.stringify(r));
  console.log(
    `direct pipe: ${r.lines} lines × ${r.lineBytes} B in ${r.seconds.toFixed(3)} s = ${r.mbPerSec.toFixed(1)} MB/s, ${Math.round(r.linesPerSec)} lines/s`,
  );
}
