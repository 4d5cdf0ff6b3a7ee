// nginx's configuration from `nginx -T`: every file nginx read, each after a
// "# configuration file PATH:" line, parsed into directives with `include` expanded in place
// (relative to the main file's directory, glob sorted), each directive with its file and line.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { byteOrder, globToRegExp, hasMagic } from '../glob.js';
import type { Source } from '../findings.js';

export interface NgxDirective {
  name: string;
  args: string[];
  at: Source;
  block?: NgxDirective[];
}

/** The files of an `nginx -T` dump, the main one first (paths resolved against `cwd`). */
export function splitNginxDump(stdout: string, cwd: string): { main?: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const header = /^# configuration file (.+):$/;
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    // nginx writes each file as is, then one newline
    if (current !== undefined && !files.has(current)) files.set(current, lines.join('\n').replace(/\n$/, ''));
  };
  for (const line of stdout.split('\n')) {
    const m = header.exec(line);
    if (m) {
      flush();
      current = resolve(cwd, m[1]!);
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return { main: files.keys().next().value, files };
}

interface Token {
  text: string;
  /** `;`, `{` or `}` as syntax, not inside quotes */
  special: boolean;
  line: number;
}

export function tokenizeNginx(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{' || c === '}') {
      tokens.push({ text: c, special: true, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let s = '';
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\n') line++;
        if (text[i] === '\\' && i + 1 < text.length) s += unescape(text[++i]!);
        else s += text[i];
      }
      i++;
      tokens.push({ text: s, special: false, line: start });
    } else {
      let s = '';
      while (i < text.length) {
        const ch = text[i]!;
        if (ch === '{' && text[i - 1] === '$') {
          // ${name} inside a word is a variable, not a block
          const end = text.indexOf('}', i);
          const stop = end < 0 ? text.length : end + 1;
          s += text.slice(i, stop);
          i = stop;
        } else if (/[\s;{}]/.test(ch)) {
          break;
        } else {
          // an escaped character stays as written (regexes keep their backslashes)
          const n = ch === '\\' && i + 1 < text.length ? 2 : 1;
          s += text.slice(i, i + n);
          i += n;
        }
      }
      tokens.push({ text: s, special: false, line });
    }
  }
  return tokens;
}

function unescape(c: string): string {
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '"' || c === "'" || c === '\\' ? c : `\\${c}`;
}

/** Directives of `main` with every include expanded; `problems` lists what could not be followed. */
export function parseNginxConfig(main: string, files: ReadonlyMap<string, string>): { directives: NgxDirective[]; problems: string[] } {
  const problems: string[] = [];
  const prefix = dirname(main);
  const expand = (file: string, depth: number): NgxDirective[] => {
    const text = files.get(file);
    if (text === undefined || depth > 32) {
      problems.push(`cannot follow the include of ${file}`);
      return [];
    }
    const tokens = tokenizeNginx(text);
    let pos = 0;
    const block = (): NgxDirective[] => {
      const out: NgxDirective[] = [];
      let words: Token[] = [];
      while (pos < tokens.length) {
        const t = tokens[pos++]!;
        if (!t.special) {
          words.push(t);
          continue;
        }
        if (t.text === '}') return out;
        const [head, ...args] = words;
        words = [];
        if (!head) continue;
        const d: NgxDirective = { name: head.text, args: args.map((a) => a.text), at: { file, line: head.line } };
        if (t.text === '{') d.block = block();
        if (d.name === 'include' && !d.block && d.args[0] !== undefined) out.push(...includeFiles(d.args[0]).flatMap((f) => expand(f, depth + 1)));
        else out.push(d);
      }
      return out;
    };
    return block();
  };
  const includeFiles = (pattern: string): string[] => {
    const full = isAbsolute(pattern) ? pattern : join(prefix, pattern);
    if (!hasMagic(full)) return [full];
    const re = globToRegExp(full);
    return [...files.keys()].filter((f) => re.test(f)).sort(byteOrder);
  };
  return { directives: expand(main, 0), problems };
}
