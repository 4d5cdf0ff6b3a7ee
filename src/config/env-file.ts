// dotenv files (`envFile:`): KEY=VALUE, `export KEY=VALUE`, quotes, comments.
// Nothing is expanded: a `$` in a value stays a `$`.
import { READ_LIMITS, readTextBounded, whyUnreadable } from '../os/read-bounded.js';
import path from 'node:path';
import type { Problem } from './errors.js';
import { quote } from './describe.js';

export interface EnvFileLine {
  line: number;
  message: string;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;

function unquote(q: string, body: string): string {
  return q === "'" ? body : body.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m);
}

/** The closing quote's index in `text` from `from`, skipping \" inside double quotes. */
function closing(text: string, q: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return -1;
}

export function parseEnvFile(text: string): { vars: Record<string, string>; problems: EnvFileLine[] } {
  const vars: Record<string, string> = {};
  const problems: EnvFileLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    if (/^\s*(#|$)/.test(raw)) continue;
    const m = ASSIGNMENT.exec(raw);
    if (!m) {
      if (/^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*$/.test(raw)) continue; // a bare NAME: inherited, as docker --env-file does
      problems.push({ line, message: `expected KEY=VALUE, got ${quote(raw.trim())}` });
      continue;
    }
    const key = m[1]!;
    if (key === '__proto__') {
      problems.push({ line, message: '__proto__ cannot be an environment variable name berth carries; rename it' });
      continue;
    }
    const rest = raw.slice(m[0].length);
    const q = rest[0];
    if (q !== '"' && q !== "'") {
      vars[key] = rest.replace(/(^|\s+)#.*$/, '').trim();
      continue;
    }
    let text = rest;
    let end = closing(text, q, 1);
    while (end < 0 && i + 1 < lines.length) (text += '\n' + lines[++i], end = closing(text, q, 1)); // quoted values may span lines
    if (end < 0) {
      problems.push({ line, message: `${key}: the value's quote (${q}) is never closed` });
      continue;
    }
    const after = text.slice(end + 1);
    if (!/^\s*(#.*)?$/.test(after)) problems.push({ line: i + 1, message: `${key}: unexpected text after the closing quote: ${quote(after.trim())}` });
    else vars[key] = unquote(q, text.slice(1, end));
  }
  return { vars, problems };
}

/** Read each env file (relative to `dir`), later files winning; every problem is reported. */
export function readEnvFiles(
  files: readonly string[],
  dir: string,
  locate: (i: number) => Omit<Problem, 'message'>, // where the config names file i
): { vars: Record<string, string>; problems: Problem[] } {
  const vars: Record<string, string> = {};
  const problems: Problem[] = [];
  files.forEach((name, i) => {
    const file = path.resolve(dir, name);
    let text: string;
    try {
      text = readTextBounded(file, READ_LIMITS.envFile);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : whyUnreadable(e);
      problems.push({ ...locate(i), message: `cannot read env file ${file.length > 200 ? `${file.slice(0, 200)}…` : file}: ${why}` });
      return;
    }
    const parsed = parseEnvFile(text);
    Object.assign(vars, parsed.vars);
    for (const p of parsed.problems) problems.push({ file, line: p.line, path: locate(i).path, message: p.message });
  });
  return { vars, problems };
}
