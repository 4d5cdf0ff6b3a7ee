// Shared by the relay tests: fixtures as real child processes, collecting streams, deadlines.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { withDeadline } from './readiness.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/relay/', import.meta.url));

/** node <fixture> args…, stdout and stderr piped. */
export function spawnFixture(script: string, args: (string | number)[] = [], opts: SpawnOptions = {}): ChildProcess {
  const tsx = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...tsx, FIXTURES + script, ...args.map(String)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
}

/** Rejects with a message naming what never happened: withDeadline with the deadline first. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return withDeadline(p, ms, what);
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A writable that keeps everything, for a sink's injected stdout or stderr. */
export class Collector extends Writable {
  private chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
  lines(): string[] {
    const t = this.text();
    return t === '' ? [] : t.replace(/\n$/, '').split('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
