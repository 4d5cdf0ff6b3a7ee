// glob(3) as php-fpm's and nginx's `include` use it: *, ? and [...] within one path segment,
// no match for a leading dot, results sorted byte-wise, directories left out.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const hasMagic = (pattern: string): boolean => /[*?[]/.test(pattern);

function segmentRegExp(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

/** A whole-path matcher: `*` never crosses a `/`, and never matches a leading dot. */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/').map((seg) => (hasMagic(seg) && !seg.startsWith('.') ? `(?!\\.)${segmentRegExp(seg)}` : segmentRegExp(seg)));
  return new RegExp(`^${parts.join('/')}$`);
}

export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Files (not directories) matching an absolute pattern, sorted as glob(3) sorts them. */
export function globFiles(pattern: string): string[] {
  const segments = pattern.split('/');
  let paths = [segments[0] === '' ? '/' : segments[0]!];
  for (const seg of segments.slice(1)) {
    if (seg === '') continue;
    if (!hasMagic(seg)) {
      paths = paths.map((p) => join(p, seg));
      continue;
    }
    const re = new RegExp(`^${seg.startsWith('.') ? '' : '(?!\\.)'}${segmentRegExp(seg)}$`);
    paths = paths.flatMap((p) => listDir(p).filter((name) => re.test(name)).map((name) => join(p, name)));
  }
  return paths.filter(isFile).sort(byteOrder);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return !statSync(p).isDirectory();
  } catch {
    return false;
  }
}
