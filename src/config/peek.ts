// One top-level setting of a config file, for the verbs that talk to a running berth
// (`berth ctl` finds its socket here): read leniently, so a file with a mistake elsewhere
// (the very one a reload is about to refuse) still names the socket.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { readSource } from './source.js';
import type { Env } from '../types.js';

const MAX_BYTES = 1 << 20;

/** The value of a top-level key (interpolated), or undefined when the file or the key cannot be read. */
export function peekSetting(file: string, key: string, env: Env): unknown {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > MAX_BYTES) return undefined;
      const buf = Buffer.alloc(st.size);
      let n = 0;
      while (n < buf.length) {
        const r = readSync(fd, buf, n, buf.length - n, n);
        if (r === 0) break;
        n += r;
      }
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  try {
    const source = readSource(text, file, env);
    const value = source.value as Record<string, unknown> | undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (source.failed.some((p) => p.length === 1 && p[0] === key)) return undefined;
    return value[key];
  } catch {
    return undefined;
  }
}

/** A path setting resolved as `berth run` resolves it: against the config file's directory. */
export function peekPath(file: string, key: string, env: Env): string | false | undefined {
  const v = peekSetting(file, key, env);
  if (v === false || v === 'false') return false;
  return typeof v === 'string' && v !== '' ? path.resolve(path.dirname(file), v) : undefined;
}
