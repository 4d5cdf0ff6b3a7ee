// A child's environment, lowest first: berth's own, envFile, top `env`, its own `env`,
// then secrets. envKeys names what berth set, never a value.
import type { Env } from '../types.js';
import type { Secret } from '../config/secrets.js';

export interface EnvLayers {
  inherited: Env;
  envFile?: Record<string, string>;
  top?: Record<string, string>;
  own?: Record<string, string>;
  secrets?: readonly Secret[];
}

export function mergeEnv(layers: EnvLayers): { env: Record<string, string>; envKeys: string[] } {
  // a Map, not env[k] = v: any name is data (env["__proto__"] = v would vanish)
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(layers.inherited)) if (v !== undefined) env.set(k, v);
  const keys = new Set<string>();
  for (const layer of [layers.envFile, layers.top, layers.own]) {
    for (const [k, v] of Object.entries(layer ?? {})) (env.set(k, v), keys.add(k));
  }
  for (const s of layers.secrets ?? []) {
    env.set(s.name, s.value);
    keys.add(s.name);
    if (s.fromFile !== undefined) env.delete(`${s.name}_FILE`); // an image's own entrypoint would refuse both set
  }
  return { env: Object.fromEntries(env), envKeys: [...keys].sort() };
}
