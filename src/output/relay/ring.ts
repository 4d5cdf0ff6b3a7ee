// The last lines of each service: for the readiness-timeout report (CONTRACT §5) and
// `berth ctl logs`. Bounded in lines and in characters, whichever comes first.

export class Ring {
  private readonly lines: string[] = [];
  private next = 0;
  private chars = 0;

  /** size lines at most, and maxChars characters in all (the newest line is always kept) */
  constructor(
    private readonly size: number,
    private readonly maxChars = Infinity,
  ) {}

  push(line: string): void {
    if (this.lines.length < this.size) this.lines.push(line);
    else {
      this.chars -= this.lines[this.next]!.length;
      this.lines[this.next] = line;
    }
    this.chars += line.length;
    this.next = (this.next + 1) % this.size;
    if (this.chars > this.maxChars) this.shrink();
  }

  /** As push for each, but only the lines that would stay are stored. */
  pushAll(lines: string[]): void {
    for (let i = Math.max(0, lines.length - this.size); i < lines.length; i++) this.push(lines[i]!);
  }

  /** The last n lines, oldest first. */
  last(n: number): string[] {
    const ordered =
      this.lines.length < this.size ? this.lines : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
    return n <= 0 ? [] : ordered.slice(-n);
  }

  /** over maxChars: drop the oldest lines (rare: only very long lines get here) */
  private shrink(): void {
    const ordered = this.last(this.size);
    let drop = 0;
    while (this.chars > this.maxChars && drop < ordered.length - 1) this.chars -= ordered[drop++]!.length;
    this.lines.length = 0;
    this.lines.push(...ordered.slice(drop));
    this.next = this.lines.length % this.size;
  }
}
