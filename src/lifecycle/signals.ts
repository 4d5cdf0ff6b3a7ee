// Which signals berth acts on. As PID 1 a signal with no handler is ignored by the
// kernel, so every one that matters gets an explicit handler here.
import { FORWARDED_SIGNALS } from '../config/constants.js';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

export interface SignalHandlers {
  onStop(sig: NodeJS.Signals): void;
  onForward(sig: NodeJS.Signals): void;
}

/** Installs the handlers; returns the function that removes them. */
export function installSignals(handlers: SignalHandlers, proc: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
  const installed: [NodeJS.Signals, () => void][] = [];
  for (const sig of STOP_SIGNALS) installed.push([sig, () => handlers.onStop(sig)]);
  for (const sig of FORWARDED_SIGNALS) installed.push([sig, () => handlers.onForward(sig)]);
  for (const [sig, fn] of installed) proc.on(sig, fn);
  return () => {
    for (const [sig, fn] of installed) proc.off(sig, fn);
  };
}
