// A slow stdout (issue 1/7): berth exits only once every line it accepted is written, however
// slow the reader; a reader that takes nothing for log.stallTimeout is given up, and berth says
// on stderr what that cost. The reader is a real process reading a pipe at a throttled rate.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_COMMAND, NODE, ROOT, tempDir } from '../helpers/berth.js';
import { fx } from '../helpers/faults.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => (t = tempDir('berth-slow-stdout-')));
afterAll(() => t.cleanup());

const SEQ = join(ROOT, 'test/fixtures/relay/seq.mjs');

/** berth with its stdout a pipe read by slow-reader.mjs; resolves when both have exited */
async function throughSlowReader(config: string, rate: number, stop?: number) {
  const file = join(t.dir, `out-${++n}`);
  const reader = spawn(NODE, [fx('slow-reader.mjs'), String(rate), file, ...(stop === undefined ? [] : [String(stop)])], { stdio: ['pipe', 'ignore', 'inherit'] });
  const berth = spawn(BERTH_COMMAND[0]!, [...BERTH_COMMAND.slice(1), '-c', t.write(`cfg-${n}.yaml`, config)], {
    cwd: ROOT,
    stdio: ['ignore', reader.stdin!, 'pipe'],
    env: { ...process.env, NO_COLOR: '1', BERTH_LOG_FORMAT: undefined, BERTH_CONFIG: undefined, BERTH_READY_FILE: join(t.dir, `ready-${n}`), BERTH_CONTROL: join(t.dir, `control-${n}.sock`) } as NodeJS.ProcessEnv,
  });
  reader.stdin!.destroy(); // berth holds the pipe's only writing end now
  let stderr = '';
  berth.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => berth.once('exit', (c) => resolve(c)));
  const ms = Date.now() - started;
  if (stop !== undefined) reader.kill('SIGTERM');
  await new Promise((resolve) => (reader.exitCode !== null ? resolve(null) : reader.once('exit', resolve)));
  const text = readFileSync(file, 'utf8');
  return { code, ms, stderr, text, lines: text.split('\n').slice(0, -1) };
}

const exitsAfter = (lines: number, code: number) =>
  `services:\n  app: { command: [sh, -c, ${JSON.stringify(`${NODE} ${SEQ} ${lines} one 30; exit ${code}`)}] }\n`;

describe('a slow stdout', () => {
  it('read at 200 KB/s: a service prints 10,000 lines and exits 3; every line, service.exit and shutdown.done arrive, whole and in order', async () => {
    const r = await throughSlowReader(exitsAfter(10_000, 3), 200_000);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    const records = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>); // every line whole
    const child = records.filter((x) => x.stream === 'stdout').map((x) => String(x.msg).slice(4, 12));
    expect(child).toHaveLength(10_000);
    expect(child.every((k, i) => Number(k) === i)).toBe(true);
    const events = records.filter((x) => x.event).map((x) => x.event);
    expect(events.slice(-2)).toEqual(['service.exit', 'shutdown.done']);
    // the exit event follows the service's last line
    expect(records.findIndex((x) => x.event === 'service.exit')).toBeGreaterThan(records.findLastIndex((x) => x.stream === 'stdout'));
  }, 60_000);

  it('a reader that stops reading: berth gives up after log.stallTimeout, exits with the service’s status and says what it dropped', async () => {
    const r = await throughSlowReader(`log: { stallTimeout: 1s }\n${exitsAfter(5_000, 3)}`, 1_000_000, 64 * 1024); // its 5,000 lines fit in berth’s buffer: it exits at once
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^berth: stdout took nothing for 1000 ms; exiting without the last \d+ bytes of log \(log\.stallTimeout\)\n$/);
    expect(r.ms).toBeLessThan(15_000);
  }, 60_000);
});
