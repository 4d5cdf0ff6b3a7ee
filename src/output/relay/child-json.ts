// Reads a child's line as a JSON object without building it: the top-level members
// (key and where its value's text lies) or undefined when the line is not exactly one
// valid JSON object. No recursion and no parse tree: any depth, any size, never a
// stack overflow, and the child's text (big numbers, 1e400, escapes) is never rewritten.

export interface Member {
  /** the key as a JSON consumer reads it (escapes decoded) */
  key: string;
  /** line[keyStart, keyEnd) is the key with its quotes */
  keyStart: number;
  keyEnd: number;
  /** line[valueStart, valueEnd) is the value's text */
  valueStart: number;
  valueEnd: number;
}

export interface ChildObject {
  members: Member[];
  /** line[open] is the object's `{`, line[close] its `}` */
  open: number;
  close: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const COMMA = 44;
const COLON = 58;

export function scanObject(line: string): ChildObject | undefined {
  let i = ws(line, 0);
  if (line.charCodeAt(i) !== OPEN_OBJ) return undefined;
  const open = i;
  const members: Member[] = [];
  i = ws(line, i + 1);
  if (line.charCodeAt(i) !== CLOSE_OBJ) {
    for (;;) {
      const keyStart = i;
      const keyEnd = skipString(line, i);
      if (keyEnd < 0) return undefined;
      i = ws(line, keyEnd);
      if (line.charCodeAt(i) !== COLON) return undefined;
      const valueStart = ws(line, i + 1);
      const valueEnd = skipValue(line, valueStart);
      if (valueEnd < 0) return undefined;
      members.push({ key: keyText(line, keyStart, keyEnd), keyStart, keyEnd, valueStart, valueEnd });
      i = ws(line, valueEnd);
      const c = line.charCodeAt(i);
      if (c === CLOSE_OBJ) break;
      if (c !== COMMA) return undefined;
      i = ws(line, i + 1);
    }
  }
  const close = i;
  return ws(line, close + 1) === line.length ? { members, open, close } : undefined;
}

/** A string literal's value; `raw` is its text with the quotes, already known to be valid. */
export function decodeString(raw: string): string {
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

function keyText(line: string, start: number, end: number): string {
  return decodeString(line.slice(start, end));
}

function ws(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** s[i] should open a string; returns the index just past its closing quote, or -1. */
function skipString(s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(++i);
      if (e === 117 /* u */) {
        for (let k = 1; k <= 4; k++) if (!isHex(s.charCodeAt(i + k))) return -1;
        i += 4;
      } else if (!(e === QUOTE || e === BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return -1;
    }
  }
  return -1;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? from s[i]; the index after it, or -1. */
function skipNumber(s: string, i: number): number {
  if (s.charCodeAt(i) === 45 /* - */) i++;
  if (s.charCodeAt(i) === 48 /* 0 */) i++;
  else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i++;
  else return -1;
  if (s.charCodeAt(i) === 46 /* . */) {
    if (!isDigit(s.charCodeAt(++i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) {
    const sign = s.charCodeAt(++i);
    if (sign === 43 || sign === 45) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  return i;
}

function skipWord(s: string, i: number, word: string): number {
  return s.startsWith(word, i) ? i + word.length : -1;
}

/**
 * One JSON value from s[i] (no leading whitespace); the index just past it, or -1.
 * Nesting is an explicit stack on the heap, so depth costs memory, never the call stack.
 */
function skipValue(s: string, i: number): number {
  const stack: number[] = []; // the closing character each open container expects
  for (;;) {
    // a value starts at i
    const c = s.charCodeAt(i);
    if (c === QUOTE) i = skipString(s, i);
    else if (c === OPEN_OBJ || c === OPEN_ARR) {
      const close = c === OPEN_OBJ ? CLOSE_OBJ : CLOSE_ARR;
      i = ws(s, i + 1);
      if (s.charCodeAt(i) === close) i++;
      else {
        stack.push(close);
        if (close === CLOSE_OBJ && (i = memberKey(s, i)) < 0) return -1;
        continue;
      }
    } else if (c === 116) i = skipWord(s, i, 'true');
    else if (c === 102) i = skipWord(s, i, 'false');
    else if (c === 110) i = skipWord(s, i, 'null');
    else i = skipNumber(s, i);
    if (i < 0) return -1;
    // after a value: close what ends here, then a comma starts the next value
    for (;;) {
      if (stack.length === 0) return i;
      i = ws(s, i);
      const d = s.charCodeAt(i);
      if (d === COMMA) {
        i = ws(s, i + 1);
        if (stack[stack.length - 1] === CLOSE_OBJ && (i = memberKey(s, i)) < 0) return -1;
        break;
      }
      if (d !== stack.pop()) return -1;
      i++;
    }
  }
}

/** `"key" :` from s[i]; the index of the value after it (whitespace skipped), or -1. */
function memberKey(s: string, i: number): number {
  i = skipString(s, i);
  if (i < 0) return -1;
  i = ws(s, i);
  if (s.charCodeAt(i) !== COLON) return -1;
  return ws(s, i + 1);
}
