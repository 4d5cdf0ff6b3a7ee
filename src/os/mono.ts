// Monotonic milliseconds (suspend and NTP do not move them), for how long something took.
// process.hrtime, not performance.now(): the global `performance` loads ten of Node's
// modules (node:perf_hooks) on first use, ~0.3 MB resident in an idle berth.
export function monoMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}
