// A time as Date#toISOString writes it (UTC, milliseconds, "Z"), computed from the number:
// toISOString reads ICU's time-zone data on first use, which maps 640 KB of Node's binary
// into berth's resident memory for good; an idle berth otherwise never touches it.

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: the first time toISOString writes with six digits and a sign */
const YEAR_10000_MS = 253_402_300_800_000;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** ms since the epoch → `2026-12-06T11:53:34.044Z`; outside 1970–9999 (or NaN) exactly as toISOString */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return new Date(ms).toISOString();
  const t = Math.trunc(ms); // a Date drops the fraction of a millisecond
  const days = Math.floor(t / DAY_MS);
  let rest = t - days * DAY_MS;
  // the civil date of a day number (proleptic Gregorian, eras of 400 years from 0000-03-01)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const m5 = Math.floor((5 * dayOfYear + 2) / 153); // months from March
  const day = dayOfYear - Math.floor((153 * m5 + 2) / 5) + 1;
  const month = m5 < 10 ? m5 + 3 : m5 - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const min = Math.floor(rest / 60_000);
  rest -= min * 60_000;
  const s = Math.floor(rest / 1000);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(h)}:${pad2(min)}:${pad2(s)}.${pad3(rest - s * 1000)}Z`;
}
