// Services in start order: topological by `after`, written order wherever it is free.
// Presets call this again once they have added the `after` edges they infer.
import type { ServicePlan } from '../types.js';
import { ConfigError, type Problem } from '../config/errors.js';
import { orderByAfter } from '../config/order.js';
import type { KeyPath } from '../config/key-path.js';

export type Locate = (path: KeyPath) => Pick<Problem, 'file' | 'line' | 'col'>;

/** Throws a ConfigError naming unknown services and cycles (`services.a.after: cycle a → b → a`). */
export function orderServices(services: readonly ServicePlan[], where?: Locate): ServicePlan[] {
  const r = orderByAfter(services);
  if (r.ok) return r.ordered;
  throw new ConfigError(r.problems.map((p) => ({ ...where?.(['services', p.name, 'after']), path: `services.${p.name}.after`, message: p.message })));
}
