// Secret values in child output become *** (DESIGN §2), as text and as raw bytes.

export const MASK = '***';
const MASK_BYTES = Buffer.from(MASK);
/** A line of a multi-line secret shorter than this is structure (`{`, `-----END`), not secret. */
const MIN_PIECE = 8;

export interface Masker {
  /** byte forms of every pattern, longest first (the line splitter keeps them whole) */
  readonly bytes: Buffer[];
  mask(line: string): string;
  /** buf[start, end) with every pattern replaced, or undefined when none occurs */
  maskBytes(buf: Buffer, start: number, end: number): Buffer | undefined;
}

/** undefined when there is nothing to mask, so the hot path can skip masking entirely */
export function createMasker(secretValues: string[]): Masker | undefined {
  const patterns = secretPatterns(secretValues);
  if (patterns.length === 0) return undefined;
  const bytes = patterns.map((p) => Buffer.from(p));
  return {
    bytes,
    mask(line) {
      for (const p of patterns) if (line.includes(p)) line = line.replaceAll(p, MASK);
      return line;
    },
    maskBytes(buf, start, end) {
      let line = buf.subarray(start, end);
      let found = false;
      for (const p of bytes) {
        let at = line.indexOf(p);
        if (at === -1) continue;
        found = true;
        const parts: Buffer[] = [];
        let from = 0;
        for (; at !== -1; at = line.indexOf(p, from)) {
          parts.push(line.subarray(from, at), MASK_BYTES);
          from = at + p.length;
        }
        parts.push(line.subarray(from));
        line = Buffer.concat(parts);
      }
      return found ? line : undefined;
    },
  };
}

/**
 * What to look for: each value without its trailing newline (secret files usually end
 * with one); for a multi-line value each long-enough line; and the JSON-escaped form
 * when it differs, for a child that logs the value inside a JSON string.
 */
export function secretPatterns(secretValues: string[]): string[] {
  const out = new Set<string>();
  for (const raw of secretValues) {
    const value = raw.replace(/\r?\n$/, '');
    if (value === '') continue;
    const lines = value.split(/\r?\n/);
    const pieces = lines.length === 1 ? lines : lines.map((l) => l.trim()).filter((l) => l.length >= MIN_PIECE);
    for (const piece of pieces) {
      out.add(piece);
      out.add(JSON.stringify(piece).slice(1, -1));
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}
