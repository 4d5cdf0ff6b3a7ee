// isoTime writes what Date#toISOString writes, for every kind of date berth logs.
import { describe, expect, it, vi } from 'vitest';
import { isoTime } from '../../src/output/iso-time.js';

describe('isoTime', () => {
  it('matches toISOString across 1970–9999: leap days, month and year ends, every millisecond digit', () => {
    const cases = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000,
      Date.UTC(1972, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(2000, 2, 1), Date.UTC(2100, 1, 28, 12),
      Date.UTC(2100, 2, 1), Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2025, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      1_733_490_000_000.7, // a fraction of a millisecond is dropped, as a Date drops it
    ];
    // a fixed pseudo-random walk over the whole range, so a failure is the same failure next run
    let seed = 7;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = 0; i < 20_000; i++) cases.push(Math.floor(next() * 253_402_300_800_000));
    for (let day = 0; day < 366 * 5; day++) cases.push(Date.UTC(2023, 0, 1) + day * 86_400_000 + (day % 1000));
    const expected = cases.map((ms) => new Date(ms).toISOString());
    const toISOString = vi.spyOn(Date.prototype, 'toISOString');
    try {
      const got = cases.map(isoTime);
      expect(toISOString).not.toHaveBeenCalled(); // the point of it: no Date formatting, so no ICU
      cases.forEach((ms, i) => expect(got[i], String(ms)).toBe(expected[i]));
    } finally {
      toISOString.mockRestore();
    }
  });

  it('outside 1970–9999 it is toISOString itself: signed six-digit years, and RangeError for NaN', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 8.64e15]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(NaN)).toThrow(RangeError);
  });
});
