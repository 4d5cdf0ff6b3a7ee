// V8's young generation while berth starts. Everything allocated then lives on (modules, the
// config's schemas, the plan), so each scavenge finds most of it alive and V8 doubles the young
// generation, up to 8 MiB, which it keeps until its memory reducer runs some 20 s later: 3 MiB
// of idle RSS for nothing. The loaders (bin/berth.js, scripts/sea-main.cjs) hold it at its
// first size from the start; once every service is ready it may grow again as V8 sees fit
// (a log flood wants it), and the loaders leave it so.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWN = Symbol.for('berth.heap.grown');

/** V8's default again (once: later calls do nothing) */
export function letYoungGenerationGrow(): void {
  const g = globalThis as { [HEAP_GROWN]?: true };
  if (g[HEAP_GROWN]) return;
  g[HEAP_GROWN] = true;
  setFlagsFromString('--semi-space-growth-factor=2');
}
