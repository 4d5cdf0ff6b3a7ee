// `secrets: [NAME]`: the value comes from $NAME, or from the file named by $NAME_FILE.
import { READ_LIMITS, readTextBounded, whyUnreadable } from '../os/read-bounded.js';
import path from 'node:path';
import type { Env } from '../types.js';

export interface Secret {
  name: string;
  value: string;
  fromFile?: string; // absolute, when read from NAME_FILE
}

export type SecretResult = { ok: true; secret: Secret } | { ok: false; message: string };

const isSet = (v: string | undefined): v is string => v !== undefined && v !== '';
const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** Like the official images' file_env: an empty variable counts as unset. */
export function readSecret(name: string, env: Env, cwd: string): SecretResult {
  const own = (key: string) => (Object.hasOwn(env, key) && typeof env[key] === 'string' ? env[key] : undefined); // not env.constructor
  const direct = own(name);
  const fileVar = `${name}_FILE`;
  const named = own(fileVar);
  const [n, f] = [cut(name), cut(fileVar)]; // a name as long as a file is still not echoed whole
  if (isSet(direct) && isSet(named)) return { ok: false, message: `both ${n} and ${f} are set; set only one` };
  if (isSet(direct)) return { ok: true, secret: { name, value: direct } };
  if (!isSet(named)) return { ok: false, message: `neither ${n} nor ${f} is set; set ${n}, or ${f} to a file holding it` };
  const file = path.resolve(cwd, named);
  try {
    const value = readTextBounded(file, READ_LIMITS.secret).replace(/\r?\n$/, '');
    return { ok: true, secret: { name, value, fromFile: file } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : whyUnreadable(e);
    return { ok: false, message: `cannot read ${f}=${cut(named)}: ${why}` };
  }
}
