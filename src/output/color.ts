// ANSI colors for pretty output, and the one rule for whether to use them.
import type { Env } from '../types.js';

export type Paint = (s: string) => string;

const sgr =
  (open: number, close: number): Paint =>
  (s) =>
    `\x1b[${open}m${s}\x1b[${close}m`;

export const ansi = {
  dim: sgr(2, 22),
  bold: sgr(1, 22),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

/** Service colors in order of first appearance; red and yellow are left to warnings and errors. */
const SERVICE_COLORS = [36, 32, 35, 34, 96, 92, 95, 94, 33, 93];

export function serviceColor(index: number): Paint {
  return sgr(SERVICE_COLORS[index % SERVICE_COLORS.length]!, 39);
}

/**
 * NO_COLOR (non-empty, no-color.org) always wins; then FORCE_COLOR as chalk reads it
 * ("0"/"false" off, any other non-empty value on); then TERM=dumb turns it off;
 * otherwise color only when the destination is a TTY.
 */
export function wantsColor(env: Env, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
