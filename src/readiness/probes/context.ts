// What a probe may use of the service it watches.
export interface ProbeContext {
  /** the service's own process (its group leader): the root of its process tree */
  pid: number;
  cwd: string;
  env: Record<string, string>;
  /** abort ends the wait: waitReady rejects with signal.reason */
  signal: AbortSignal;
  /** each line of the service's output; returns the remover */
  subscribeLines: (cb: (line: string) => void) => () => void;
}
