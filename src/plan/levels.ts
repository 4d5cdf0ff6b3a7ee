// The dependency graph of services read two ways: the levels that start together (what
// `berth plan` shows), and the slowest chain of stops (what `berth check` warns about).
import type { ServicePlan } from '../types.js';
import { formatDuration } from '../config/duration.js';

type Node = Pick<ServicePlan, 'name' | 'after'>;

/** Levels in start order: level 0 comes after nothing; each service is one past its deepest `after`. */
export function dependencyLevels(services: readonly Node[]): string[][] {
  const level = new Map<string, number>();
  const byName = new Map(services.map((s) => [s.name, s]));
  const depth = (s: Node, seen: Set<string>): number => {
    const known = level.get(s.name);
    if (known !== undefined) return known;
    if (seen.has(s.name)) return 0; // a cycle is reported elsewhere; do not loop on it
    seen.add(s.name);
    const deps = s.after.map((n) => byName.get(n)).filter((d): d is Node => d !== undefined);
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => depth(x, seen)));
    level.set(s.name, d);
    return d;
  };
  const levels: string[][] = [];
  for (const s of services) (levels[depth(s, new Set())] ??= []).push(s.name);
  return levels.filter((l) => l !== undefined);
}

/** One line for people: "php-fpm + queue, then nginx" (a + b start side by side). */
export function levelsText(services: readonly Node[]): string {
  return dependencyLevels(services).map((l) => l.join(' + ')).join(', then ');
}

export interface StopChain {
  /** in stop order: the first stops first */
  names: string[];
  ms: number;
}

/**
 * The chain of services that stop one after another (each waits for those after it)
 * whose stopTimeouts add up to the most: the longest a graceful shutdown can take.
 */
export function longestStopChain(services: readonly Pick<ServicePlan, 'name' | 'after' | 'stopTimeoutMs'>[]): StopChain {
  const memo = new Map<string, StopChain>();
  const chainTo = (s: (typeof services)[number], seen: Set<string>): StopChain => {
    const known = memo.get(s.name);
    if (known !== undefined) return known;
    if (seen.has(s.name)) return { names: [], ms: 0 };
    seen.add(s.name);
    // everything after s stops before it
    const before = services.filter((x) => x.after.includes(s.name)).map((x) => chainTo(x, seen));
    const longest = before.reduce<StopChain>((a, b) => (b.ms > a.ms ? b : a), { names: [], ms: 0 });
    const c = { names: [...longest.names, s.name], ms: longest.ms + s.stopTimeoutMs };
    memo.set(s.name, c);
    return c;
  };
  return services.map((s) => chainTo(s, new Set())).reduce<StopChain>((a, b) => (b.ms > a.ms ? b : a), { names: [], ms: 0 });
}

/** `berth check`'s warning, when a chain of stopTimeouts cannot fit in shutdownTimeout. */
export function stopChainWarning(services: readonly ServicePlan[], shutdownTimeoutMs: number): string | undefined {
  const chain = longestStopChain(services);
  if (chain.ms <= shutdownTimeoutMs) return undefined;
  const last = chain.names.at(-1)!;
  const raise = 'raise shutdownTimeout (and Docker\'s stop timeout, 10s by default, above it) or lower a stopTimeout';
  if (chain.names.length === 1) {
    return `${last}'s stopTimeout ${formatDuration(chain.ms)} is more than shutdownTimeout ${formatDuration(shutdownTimeoutMs)}: it may be SIGKILLed sooner; ${raise}`;
  }
  const steps = chain.names.map((n) => `${n} (${formatDuration(services.find((s) => s.name === n)!.stopTimeoutMs)})`).join(' → ');
  return `stopping ${steps}, one after another, can take ${formatDuration(chain.ms)}, more than shutdownTimeout ${formatDuration(shutdownTimeoutMs)}: ${last} may be SIGKILLed before its stopTimeout; ${raise}`;
}
