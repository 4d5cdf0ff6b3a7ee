// Start order from `after`: topological, and stable (written order wherever it is free).
// The config check names unknown services and cycles with it; the plan orders services
// with it, again once presets have added the `after` edges they infer.
import type { ServicePlan } from '../types.js';
import { ConfigError, type Problem } from './errors.js';
import type { KeyPath } from './key-path.js';
import { didYouMean } from './suggest.js';
import { oneOf, quote } from './describe.js';

export interface Ordered {
  name: string;
  after: readonly string[];
}

export interface OrderProblem {
  name: string; // the service whose `after` is wrong
  message: string;
}

export type OrderResult<T> = { ok: true; ordered: T[] } | { ok: false; problems: OrderProblem[] };

/** Hints ("did you mean", the names there are) for this many unknown names; the rest are named plainly. */
const MAX_HINTS = 20;
const MAX_LISTED = 20;
/** a name as long as a file is not echoed whole */
const cut = (name: string) => (name.length > 60 ? `${name.slice(0, 60)}…` : name);

function unknownNames<T extends Ordered>(items: readonly T[]): OrderProblem[] {
  const names = items.map((s) => s.name);
  const known = new Set(names);
  const problems: OrderProblem[] = [];
  for (const s of items) {
    for (const dep of s.after) {
      if (dep === s.name) problems.push({ name: s.name, message: `${cut(s.name)} cannot come after itself` });
      else if (!known.has(dep)) {
        // thousands of wrong names must not cost thousands × thousands of comparisons
        const hinted = problems.length < MAX_HINTS;
        const others = hinted ? names.filter((n) => n !== s.name) : [];
        const listed = others.length > MAX_LISTED ? [...others.slice(0, MAX_LISTED).map(cut), `${others.length - MAX_LISTED} more`] : others.map(cut);
        const hint = !hinted ? '' : didYouMean(dep, others) || (others.length > 0 ? `; services are ${oneOf(listed, 'and')}` : '; there are no other services');
        problems.push({ name: s.name, message: `unknown service ${quote(dep)}${hint}` });
      }
    }
  }
  return problems;
}

/** One cycle among `stuck`, written from its first service: a → b → c → a. */
function findCycle<T extends Ordered>(stuck: readonly T[]): string[] {
  const byName = new Map(stuck.map((s) => [s.name, s]));
  const trail: string[] = [];
  let at = stuck[0]!;
  while (!trail.includes(at.name)) {
    trail.push(at.name);
    at = byName.get(at.after.find((d) => byName.has(d))!)!;
  }
  const cycle = trail.slice(trail.indexOf(at.name));
  const first = stuck.find((s) => cycle.includes(s.name))!.name; // start where the reader meets it first
  const i = cycle.indexOf(first);
  return [...cycle.slice(i), ...cycle.slice(0, i), first];
}

export function orderByAfter<T extends Ordered>(items: readonly T[]): OrderResult<T> {
  const unknown = unknownNames(items);
  if (unknown.length > 0) return { ok: false, problems: unknown };
  const placed = new Set<string>();
  const ordered: T[] = [];
  let rest = [...items];
  while (rest.length > 0) {
    const next = rest.find((s) => s.after.every((d) => placed.has(d)));
    if (next === undefined) {
      const cycle = findCycle(rest);
      const shown = (cycle.length > MAX_LISTED ? [...cycle.slice(0, MAX_LISTED), `… ${cycle.length - MAX_LISTED - 1} more`, cycle.at(-1)!] : cycle).map(cut);
      return { ok: false, problems: [{ name: cycle[0]!, message: `cycle ${shown.join(' → ')}` }] };
    }
    placed.add(next.name);
    ordered.push(next);
    rest = rest.filter((s) => s !== next);
  }
  return { ok: true, ordered };
}

export type Locate = (path: KeyPath) => Pick<Problem, 'file' | 'line' | 'col'>;

/** Throws a ConfigError naming unknown services and cycles (`services.a.after: cycle a → b → a`). */
export function orderServices(services: readonly ServicePlan[], where?: Locate): ServicePlan[] {
  const r = orderByAfter(services);
  if (r.ok) return r.ordered;
  throw new ConfigError(r.problems.map((p) => ({ ...where?.(['services', p.name, 'after']), path: `services.${p.name}.after`, message: p.message })));
}
