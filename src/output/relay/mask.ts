// Secret values become *** (CONTRACT §2): in child output as text and as raw bytes, and in
// what berth itself quotes. The one owner of masking: config errors, preflight, plan and
// berth's events all come here.

export const MASK = '***';
const MASK_BYTES = Buffer.from(MASK);
/** A line of a multi-line secret shorter than this is structure (`{`, `-----END`), not secret. */
const MIN_PIECE = 8;
/** A slice of a secret this long is still the secret, where berth quotes (and may cut) a value. */
export const MIN_SLICE = 8;

export interface Masker {
  /** most bytes one form of a secret can take (escaped, UTF-8): the line splitter keeps this much whole */
  readonly span: number;
  mask(line: string): string;
  /** buf[start, end) with every form replaced, or undefined when none occurs */
  maskBytes(buf: Buffer, start: number, end: number): Buffer | undefined;
  /** the start of a form in buf[from, to) that begins before `cut` and ends after it, or -1 */
  straddling(buf: Buffer, from: number, to: number, cut: number): number;
}

/**
 * undefined when there is nothing to mask, so the hot path can skip masking entirely.
 * Masks each secret as written and as any JSON encoder may write it inside a string: every
 * character plain or `\uXXXX` (either case; Python's ensure_ascii, Go's \u0026 \u003c \u003e),
 * and `\"` `\\` `\/` (PHP) `\n` `\t` … — whatever a JSON consumer would decode to the secret.
 */
export function createMasker(secretValues: readonly string[]): Masker | undefined {
  const pieces = secretPieces(secretValues);
  if (pieces.length === 0) return undefined;
  const literal = pieces.map((p) => Buffer.from(p));
  // every form but the literal one has a backslash: the regex runs only where one is
  const text = new RegExp(pieces.map((p) => formsSource(p, false)).join('|'), 'g');
  const bytes = new RegExp(pieces.map((p) => formsSource(p, true)).join('|'), 'g');
  const span = Math.max(...pieces.map(formsSpan));
  return {
    span,
    mask(line) {
      for (const p of pieces) if (line.includes(p)) line = line.replaceAll(p, MASK);
      return line.includes('\\') ? line.replace(text, MASK) : line;
    },
    maskBytes(buf, start, end) {
      let line = buf.subarray(start, end);
      let found = false;
      for (const p of literal) {
        if (line.indexOf(p) === -1) continue;
        found = true;
        line = replaceBytes(line, p);
      }
      if (line.indexOf(92 /* \ */) !== -1) {
        const latin1 = line.toString('latin1'); // one char per byte: the byte regex sees the UTF-8 as it is
        const masked = latin1.replace(bytes, MASK);
        if (masked !== latin1) {
          found = true;
          line = Buffer.from(masked, 'latin1');
        }
      }
      return found ? line : undefined;
    },
    straddling(buf, from, to, cut) {
      const window = buf.toString('latin1', from, to);
      bytes.lastIndex = 0;
      for (let m = bytes.exec(window); m; m = bytes.exec(window)) {
        const at = from + m.index;
        if (at >= cut) break;
        if (at + m[0].length > cut) return at;
        if (m[0].length === 0) bytes.lastIndex++;
      }
      return -1;
    },
  };
}

/**
 * For text berth writes itself (config errors, preflight, plan, events), where a value may
 * be quoted cut short: every secret as createMasker masks it, and any run of MIN_SLICE or
 * more characters of a secret (or of its JSON-escaped form), since a cut secret is still
 * the secret. A shorter secret is masked whole only. undefined when there is no secret.
 */
export function quoteMasker(secretValues: readonly string[]): ((text: string) => string) | undefined {
  const masker = createMasker(secretValues);
  if (!masker) return undefined;
  const grams = sliceGrams(secretValues);
  return (text) => maskSlices(masker.mask(text), grams);
}

const quoteMaskers = new WeakMap<readonly string[], ((text: string) => string) | undefined>();

/** quoteMasker(secretValues)(text), the masker made once per list of values */
export function maskQuoted(text: string, secretValues: readonly string[]): string {
  if (!quoteMaskers.has(secretValues)) quoteMaskers.set(secretValues, quoteMasker(secretValues));
  return quoteMaskers.get(secretValues)?.(text) ?? text;
}

function maskSlices(text: string, grams: string[]): string {
  const marks: [number, number][] = [];
  for (const g of grams) for (let at = text.indexOf(g); at !== -1; at = text.indexOf(g, at + 1)) marks.push([at, at + g.length]);
  if (marks.length === 0) return text;
  marks.sort((a, b) => a[0] - b[0]);
  let out = '';
  let done = 0;
  for (let i = 0; i < marks.length; ) {
    const from = marks[i]![0];
    let to = marks[i]![1];
    for (i++; i < marks.length && marks[i]![0] <= to; i++) to = Math.max(to, marks[i]![1]);
    out += text.slice(done, from) + MASK;
    done = to;
  }
  return out + text.slice(done);
}

/** Every MIN_SLICE-long run of each secret and of its JSON-escaped form. */
function sliceGrams(secretValues: readonly string[]): string[] {
  const grams = new Set<string>();
  for (const piece of secretPieces(secretValues)) {
    for (const form of new Set([piece, JSON.stringify(piece).slice(1, -1)])) {
      for (let i = 0; i + MIN_SLICE <= form.length; i++) grams.add(form.slice(i, i + MIN_SLICE));
    }
  }
  return [...grams];
}

/**
 * What to look for: each value without its trailing newline (secret files usually end
 * with one); for a multi-line value each long-enough line. Longest first.
 */
export function secretPieces(secretValues: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of secretValues) {
    const value = raw.replace(/\r?\n$/, '');
    if (value === '') continue;
    const lines = value.split(/\r?\n/);
    const pieces = lines.length === 1 ? lines : lines.map((l) => l.trim()).filter((l) => l.length >= MIN_PIECE);
    for (const piece of pieces) out.add(piece);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** JSON's two-character escapes, as an encoder may write them */
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const reEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const hexDigit = (d: string): string => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d);
const uEscape = (unit: number): string => '\\\\u' + [...unit.toString(16).padStart(4, '0')].map(hexDigit).join('');

/** A regex source matching every form of one piece; `bytes`: over its UTF-8 bytes read as latin1. */
function formsSource(piece: string, bytes: boolean): string {
  let src = '';
  for (const ch of piece) {
    const literal = bytes ? [...Buffer.from(ch)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('') : reEscape(ch);
    const alts = [literal, Array.from({ length: ch.length }, (_, i) => uEscape(ch.charCodeAt(i))).join('')];
    if (Object.hasOwn(SHORT, ch)) alts.push(reEscape(SHORT[ch]!));
    src += `(?:${alts.join('|')})`;
  }
  return src;
}

/** The most bytes a form of the piece can take: 6 per UTF-16 unit escaped, or its UTF-8. */
function formsSpan(piece: string): number {
  let n = 0;
  for (const ch of piece) n += Math.max(Buffer.byteLength(ch), 6 * ch.length);
  return n;
}

function replaceBytes(line: Buffer, p: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = line.indexOf(p); at !== -1; at = line.indexOf(p, from)) {
    parts.push(line.subarray(from, at), MASK_BYTES);
    from = at + p.length;
  }
  parts.push(line.subarray(from));
  return Buffer.concat(parts);
}
