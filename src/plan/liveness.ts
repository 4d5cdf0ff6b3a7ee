// CONTRACT §9's `liveness:` block → the plan, with its defaults and the checks a config can fail.
import type { LivenessPlan, Probe } from '../types.js';
import type { ServiceConfig } from '../config/schema.js';
import type { Problem } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { displayPath } from '../config/key-path.js';

export const MIN_INTERVAL_MS = 100;
export const LIVENESS_DEFAULTS = { intervalMs: 10_000, timeoutMs: 2_000, failures: 3 } as const;

type Liveness = NonNullable<ServiceConfig['liveness']>;

/**
 * The service's liveness plan, or the problems with it. A service with no probe at all (no
 * `ready`, no `liveness.probe`, no preset that finds one) has nothing to check.
 */
export function planLiveness(
  name: string,
  l: Liveness,
  hasProbe: { ready: boolean; preset: boolean },
  resolve: (p: Probe) => Probe,
  loaded: LoadedConfig | undefined,
): LivenessPlan | Problem[] {
  const keyPath = ['services', name, 'liveness'];
  const at = (...key: string[]) => ({ ...loaded?.where([...keyPath, ...key]), path: displayPath([...keyPath, ...key]) });
  const problems: Problem[] = [];
  if (!l.probe && !hasProbe.ready && !hasProbe.preset) {
    problems.push({ ...at(), message: `${name} has no probe to check: give liveness a probe (liveness.probe: tcp:8080, http://…, { exec: [...] }) or the service a ready: probe` });
  }
  const intervalMs = l.interval ?? LIVENESS_DEFAULTS.intervalMs;
  if (intervalMs < MIN_INTERVAL_MS) problems.push({ ...at('interval'), message: `${intervalMs}ms is too short: a liveness check runs at most every ${MIN_INTERVAL_MS}ms` });
  if (l.timeout === 0) problems.push({ ...at('timeout'), message: 'expected a duration above 0: how long one check may take' });
  if (l.failures === 0) problems.push({ ...at('failures'), message: 'expected a whole number of 1 or more: the failures in a row that make the service unhealthy' });
  if (problems.length) return problems;
  // a default timeout never reaches the interval: half of it, at most 2 s
  const timeoutMs = l.timeout ?? Math.min(LIVENESS_DEFAULTS.timeoutMs, Math.floor(intervalMs / 2));
  const plan: LivenessPlan = { intervalMs, timeoutMs, failures: l.failures ?? LIVENESS_DEFAULTS.failures };
  if (l.probe) plan.probe = resolve(l.probe);
  return plan;
}

/** For preflight: settings that work but are probably not what was meant. */
export function livenessWarnings(l: LivenessPlan | undefined): string[] {
  if (!l || l.timeoutMs === 0 || l.timeoutMs < l.intervalMs) return [];
  return [`liveness.timeout (${l.timeoutMs}ms) is not shorter than liveness.interval (${l.intervalMs}ms): a slow check delays the next one, so a hung service is noticed later than the interval says`];
}
