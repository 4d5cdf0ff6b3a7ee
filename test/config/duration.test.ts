import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    [' 10s ', 10_000],
    ['0', 0],
    ['250', 250],
    [0, 0],
    [1500, 1500],
  ] as const)('%s is %d ms', (written, ms) => expect(parseDuration(written)).toBe(ms));

  it.each(['10 seconds', '-1s', '5d', 's', '', '1m 30s', 'ten'])('%j is not a duration', (s) =>
    expect(parseDuration(s)).toBeUndefined(),
  );

  it.each([-1, Infinity, NaN, true, null, [], {}])('%j is not a duration', (v) => expect(parseDuration(v)).toBeUndefined());

  it.each([
    [500, '500ms'],
    [9_000, '9s'],
    [60_000, '60s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('%d ms prints as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('what it prints parses back to the same milliseconds', () => {
    fc.assert(fc.property(fc.nat(100_000_000), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
