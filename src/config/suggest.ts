// "did you mean" from the names allowed at that place (optimal string alignment distance).

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

const MAX_WORD = 100;

/** The closest candidate, if it is close enough to be a typo (case is ignored). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  // the distance is at least the difference in length: skip what cannot be near, and never
  // build a matrix for a word far longer than any typo (a 1 MB key must not hang berth)
  for (const c of w.length > MAX_WORD ? [] : candidates) {
    const lower = c.toLowerCase();
    if (Math.abs(lower.length - w.length) > limit) continue;
    const dist = editDistance(w, lower);
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  if (bestDistance <= limit) return best;
  const extending = w.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(w)) : [];
  return extending.length === 1 ? extending[0] : undefined; // "php" → "php-fpm"
}

/** `; did you mean "readyTimeout"?` or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean "${c}"?`;
}
