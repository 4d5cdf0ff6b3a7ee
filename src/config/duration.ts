// Durations as people write them: 500ms, 10s, 5m, 1h, 1m30s, or a number of milliseconds.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires after 1 ms, not never */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export const DURATION_EXPECTED = 'a duration like 500ms, 10s, 5m, 1h or a number of milliseconds';

/** When `value` reads as a duration but is too long for a timer, says so; else undefined. */
export function tooLong(value: unknown): string | undefined {
  const ms = toMs(value);
  if (ms === undefined || ms <= MAX_DURATION_MS) return undefined;
  return `${ms} ms is longer than a timer can wait (at most ${MAX_DURATION_MS} ms, about 596h); for no limit write 0 where the setting allows it`;
}

/** Milliseconds, or undefined when `value` is not a duration (or longer than a timer can wait). */
export function parseDuration(value: unknown): number | undefined {
  const ms = toMs(value);
  return ms !== undefined && ms <= MAX_DURATION_MS ? ms : undefined;
}

function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s); // "${TIMEOUT:-0}" arrives as a string
  if (!WHOLE.test(s)) return undefined;
  let ms = 0;
  for (const [, n, unit] of s.matchAll(PART)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/** A short exact spelling: 300000 → "5m", 60000 → "60s", 9000 → "9s", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0 && ms / UNIT_MS[unit] >= 2) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return ms !== 0 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The JSON Schema pattern that matches what parseDuration accepts as a string. */
export const DURATION_PATTERN = '^\\s*(?:\\d+|(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+)\\s*$';
