// Bytes → lines, without decoding: a line ends at \n (a \r before it is dropped), and a
// line longer than the limit is cut into pieces, never inside a UTF-8 character or a secret.

/** content is buf[start, end); the eol bytes that followed it (0, 1 for \n, 2 for \r\n) are buf[end, end+eol) */
export type EmitLine = (buf: Buffer, start: number, end: number, eol: number) => void;

/**
 * A run of whole lines, buf[start, end): end is just past a \n, and no line in it is over
 * the limit. Returns false to have them emitted one by one instead.
 */
export type EmitBlock = (buf: Buffer, start: number, end: number) => boolean;

export const MAX_LINE_BYTES = 64 * 1024;

/** What a cut must not fall inside (a secret, in any of its forms: see Masker). */
export interface KeepWhole {
  /** the most bytes one such run can take */
  readonly span: number;
  /** the start of a run in buf[from, to) that begins before `cut` and ends after it, or -1 */
  straddling(buf: Buffer, from: number, to: number, cut: number): number;
}

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** bytes kept back after a cut: one to tell a CRLF from a lone CR, more to see a whole secret */
  private readonly tail: number;

  constructor(
    private readonly max = MAX_LINE_BYTES,
    private readonly keep?: KeepWhole,
  ) {
    this.tail = Math.max(1, (keep?.span ?? 0) - 1);
  }

  /**
   * With `block`, the whole lines of a chunk go to it as one run when none of them can
   * be over the limit (one decode per chunk instead of one per line); when it returns
   * false they are emitted one by one as without it.
   */
  push(chunk: Buffer, emit: EmitLine, block?: EmitBlock): void {
    let pos = 0;
    let nl = chunk.indexOf(10);
    if (nl !== -1 && this.carryBytes > 0) {
      this.carry.push(chunk.subarray(0, nl + 1));
      const joined = Buffer.concat(this.carry, this.carryBytes + nl + 1);
      this.carry = [];
      this.carryBytes = 0;
      this.line(joined, 0, joined.length - 1, emit);
      pos = nl + 1;
      nl = chunk.indexOf(10, pos);
    }
    if (block && nl !== -1) {
      const last = chunk.lastIndexOf(10);
      // a run no longer than max + 1 bytes holds no line over max: nothing to cut
      if (last - pos <= this.max && block(chunk, pos, last + 1)) {
        pos = last + 1;
        nl = -1;
      }
    }
    for (; nl !== -1; nl = chunk.indexOf(10, pos)) {
      this.line(chunk, pos, nl, emit);
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      this.carry.push(chunk.subarray(pos));
      this.carryBytes += chunk.length - pos;
      if (this.carryBytes >= this.max + this.tail) this.cutCarry(chunk[chunk.length - 1] === 13, emit);
    }
  }

  /** The last line, if it had no newline. */
  end(emit: EmitLine): void {
    if (this.carryBytes === 0) return;
    const buf = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    let start = 0;
    while (buf.length - start > this.max) start = this.piece(buf, start, buf.length, emit);
    emit(buf, start, buf.length, 0);
  }

  /** buf[nl] is the newline ending the line that starts at start. */
  private line(buf: Buffer, start: number, nl: number, emit: EmitLine): void {
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    while (end - start > this.max) start = this.piece(buf, start, end, emit);
    emit(buf, start, end, nl + 1 - end);
  }

  private cutCarry(endsWithCR: boolean, emit: EmitLine): void {
    const buf = Buffer.concat(this.carry, this.carryBytes);
    // a lone trailing \r may be half a CRLF: never leave it as the whole remainder
    const keep = this.tail + (endsWithCR ? 1 : 0);
    let start = 0;
    while (buf.length - start >= this.max + keep) start = this.piece(buf, start, buf.length, emit);
    this.carry = [buf.subarray(start)];
    this.carryBytes = buf.length - start;
  }

  /** Emits one piece of at most max bytes from start; returns where the next begins. */
  private piece(buf: Buffer, start: number, end: number, emit: EmitLine): number {
    const cut = this.cutPoint(buf, start, end);
    emit(buf, start, cut, 0);
    return cut;
  }

  private cutPoint(buf: Buffer, start: number, end: number): number {
    let cut = start + this.max;
    // back off over UTF-8 continuation bytes (10xxxxxx) to the start of the character
    for (let i = 0; i < 3 && (buf[cut]! & 0xc0) === 0x80; i++) cut--;
    if ((buf[cut]! & 0xc0) === 0x80) cut = start + this.max; // not UTF-8 anyway
    // the piece ends just before a secret that would straddle the cut; repeat until none does
    const keep = this.keep;
    if (!keep) return cut;
    for (;;) {
      const at = keep.straddling(buf, Math.max(start + 1, cut - keep.span + 1), Math.min(end, cut + keep.span - 1), cut);
      if (at === -1 || at >= cut) return cut;
      cut = at;
    }
  }
}
