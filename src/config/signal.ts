// Stop signals as people write them: SIGTERM, TERM, term, 15 → "SIGTERM".
import { constants } from 'node:os';
import { closest } from './suggest.js';
import { describeValue, quote } from './describe.js';

const SIGNALS = constants.signals as Record<string, number>;
const NAMES = Object.keys(SIGNALS);
export const SIGNAL_NAMES: readonly string[] = NAMES;
export const SIGNAL_NUMBERS: readonly number[] = [...new Set(Object.values(SIGNALS))].sort((a, b) => a - b);

export type ParsedSignal = { ok: true; signal: NodeJS.Signals } | { ok: false; message: string };

export function parseSignal(value: unknown): ParsedSignal {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value.trim()))) {
    const n = Number(value);
    const name = NAMES.find((s) => SIGNALS[s] === n);
    return name ? { ok: true, signal: name as NodeJS.Signals } : { ok: false, message: `no signal has number ${n}; expected a signal like SIGTERM, TERM or 15` };
  }
  if (typeof value !== 'string') {
    return { ok: false, message: `expected a signal like SIGTERM, TERM or 15, got ${describeValue(value)}` };
  }
  const upper = value.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (name in SIGNALS) return { ok: true, signal: name as NodeJS.Signals };
  const near = closest(name.slice(3), NAMES.map((n) => n.slice(3))); // compare what follows SIG, or SIGFOO is "near" SIGIOT
  return { ok: false, message: `unknown signal ${quote(value)}${near ? `; did you mean "SIG${near}"?` : ''}` };
}
