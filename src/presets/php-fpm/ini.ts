// One line of a php-fpm config, read the way php-fpm reads it: it hands each line on its own
// to PHP's INI scanner (normal mode), so nothing spans lines.
import type { Env } from '../../types.js';

export type IniLine =
  | { kind: 'blank' }
  | { kind: 'section'; name: string }
  | { kind: 'entry'; key: string; value: string; arrayKey?: string }
  | { kind: 'invalid'; text: string };

const TRUE_WORDS = /^(yes|on|true)$/i;
const FALSE_WORDS = /^(no|off|false|none|null)$/i;

export function lexIniLine(raw: string, env: Readonly<Env>): IniLine {
  const line = raw.replace(/\r$/, '');
  const text = line.trimStart();
  if (text === '' || text.startsWith(';')) return { kind: 'blank' };
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const after = end < 0 ? '' : text.slice(end + 1).trim();
    if (end < 0 || (after !== '' && !after.startsWith(';'))) return { kind: 'invalid', text: line };
    return { kind: 'section', name: text.slice(1, end).replace(/^"(.*)"$/, '$1') };
  }
  const eq = text.indexOf('=');
  if (eq < 0) return { kind: 'invalid', text: line };
  const name = text.slice(0, eq).trim();
  const m = /^([^[\]\s]+)(?:\[([^\]]*)\])?$/.exec(name);
  if (!m) return { kind: 'invalid', text: line };
  const value = iniValue(text.slice(eq + 1), env);
  if (value === undefined) return { kind: 'invalid', text: line };
  return m[2] === undefined ? { kind: 'entry', key: m[1]!, value } : { kind: 'entry', key: m[1]!, value, arrayKey: m[2] };
}

/**
 * A value after `=`: bare text, "double quoted" (with ${VAR} and \" inside), 'single quoted'
 * (as is), glued together (`06"6"0` is 0660); `;` outside quotes starts a comment; bare
 * yes/on/true are "1" and no/off/false/none/null are "". ${VAR} comes from the environment.
 */
export function iniValue(src: string, env: Readonly<Env>): string | undefined {
  const parts: { text: string; bare: boolean }[] = [];
  let i = 0;
  const bare = (s: string) => {
    const last = parts[parts.length - 1];
    if (last?.bare) last.text += s;
    else parts.push({ text: s, bare: true });
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ';' || c === '\n') break;
    if (c === '"') {
      const r = doubleQuoted(src, i + 1, env);
      if (!r) return undefined;
      parts.push({ text: r.text, bare: false });
      i = r.end + 1;
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) return undefined;
      parts.push({ text: src.slice(i + 1, end), bare: false });
      i = end + 1;
    } else if (c === '$' && src[i + 1] === '{') {
      const end = src.indexOf('}', i + 2);
      if (end < 0) return undefined;
      parts.push({ text: env[src.slice(i + 2, end)] ?? '', bare: false });
      i = end + 1;
    } else {
      bare(c);
      i++;
    }
  }
  trimEnds(parts);
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only?.bare && TRUE_WORDS.test(only.text)) return '1';
  if (only?.bare && FALSE_WORDS.test(only.text)) return '';
  return parts.map((p) => p.text).join('');
}

function trimEnds(parts: { text: string; bare: boolean }[]): void {
  if (parts[0]?.bare) parts[0].text = parts[0].text.trimStart();
  const last = parts[parts.length - 1];
  if (last?.bare) last.text = last.text.trimEnd();
  // whitespace between glued pieces is dropped too ("a" "b" is ab)
  for (const p of parts) if (p.bare && parts.length > 1 && p.text.trim() === '') p.text = '';
  while (parts.length > 0 && parts[parts.length - 1]!.bare && parts[parts.length - 1]!.text === '') parts.pop();
  while (parts.length > 0 && parts[0]!.bare && parts[0]!.text === '') parts.shift();
}

function doubleQuoted(src: string, from: number, env: Readonly<Env>): { text: string; end: number } | undefined {
  let text = '';
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"') return { text, end: i };
    if (c === '\\' && (src[i + 1] === '"' || src[i + 1] === '\\')) {
      text += src[++i];
    } else if (c === '$' && src[i + 1] === '{') {
      const end = src.indexOf('}', i + 2);
      if (end < 0) return undefined;
      text += env[src.slice(i + 2, end)] ?? '';
      i = end;
    } else text += c;
  }
  return undefined;
}
