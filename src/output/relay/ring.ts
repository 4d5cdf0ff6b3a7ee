// The last lines of each service, kept for the readiness-timeout report (DESIGN §5).

export class Ring {
  private readonly lines: string[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(line: string): void {
    if (this.lines.length < this.size) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.size;
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
}
