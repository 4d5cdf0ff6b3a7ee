// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message} and $$ → $.
// A bare $NAME is left alone so shell strings (shell: true) keep their own variables.
import type { Env } from '../types.js';
import { quote } from './describe.js';

export type Interpolated = { ok: true; value: string } | { ok: false; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** `${A:-${B:-…}}` nested deeper than this is an error, not a stack overflow (exit 70) */
const MAX_NESTING = 32;

/** Index of the `}` that closes the `${` at `start`, counting nested `${…}`. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') (depth++, i++);
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expand(body: string, env: Env, depth: number): Interpolated {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) return { ok: false, message: `invalid variable reference ${quote(`\${${body}}`)}; expected \${NAME}, \${NAME:-default} or \${NAME:?message}` };
  const rest = body.slice(name.length);
  const value = Object.hasOwn(env, name) && typeof env[name] === 'string' ? env[name] : undefined; // ${constructor} is not set either
  const op = /^(:-|-|:\?|\?)?/.exec(rest)![0];
  if (op === '' && rest !== '') return { ok: false, message: `invalid variable reference ${quote(`\${${body}}`)}; after ${name} expected :-, -, :? or ?` };
  const arg = rest.slice(op.length);
  const missing = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  if (!missing) return { ok: true, value: value! };
  if (op === ':-' || op === '-') return interpolate(arg, env, depth + 1);
  if (op === ':?' || op === '?') {
    const why = interpolate(arg, env, depth + 1);
    const text = why.ok && why.value !== '' ? why.value : `${name} is required`;
    return { ok: false, message: `${name} is not set: ${text}` };
  }
  return { ok: false, message: `${name} is not set; set it in berth's environment, or give a default: \${${name}:-value}` };
}

export function interpolate(text: string, env: Env, depth = 0): Interpolated {
  if (depth > MAX_NESTING) return { ok: false, message: `variables nest more than ${MAX_NESTING} deep in \${…:-…}; expected a default that is plain text or one more \${VAR}` };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '$') out += c;
    else if (text[i + 1] === '$') (out += '$', i++);
    else if (text[i + 1] !== '{') out += c;
    else {
      const end = closingBrace(text, i);
      if (end < 0) return { ok: false, message: `unclosed "\${" in ${quote(text)}; write $$ for a literal $` };
      const r = expand(text.slice(i + 2, end), env, depth);
      if (!r.ok) return r;
      out += r.value;
      i = end;
    }
  }
  return { ok: true, value: out };
}
