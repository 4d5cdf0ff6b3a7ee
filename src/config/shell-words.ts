// Split a command string into argv the way Compose does (POSIX shell words, no shell):
// quotes group, backslash escapes, nothing is expanded.
import { quote as shown } from './describe.js';

export type Split = { ok: true; argv: string[] } | { ok: false; message: string };

export function splitShellWords(text: string): Split {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) return { ok: false, message: `unterminated quote (${quote}) in ${shown(text)}` };
  if (inWord) argv.push(word);
  return { ok: true, argv };
}

/** argv back to one line a user could paste into a shell. */
export function joinShellWords(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
