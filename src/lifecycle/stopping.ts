// Whether berth is shutting down: the one record of it, read by every phase.

export class Stopping {
  /** the first stop signal; undefined until one arrives */
  signal: NodeJS.Signals | undefined;
  /** a second stop signal came: everything was SIGKILLed */
  forced = false;
  private readonly listeners = new Set<() => void>();

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** The first call records sig and tells every listener, and returns true; a later one marks the stop forced. */
  request(sig: NodeJS.Signals): boolean {
    if (this.signal) {
      this.forced = true;
      return false;
    }
    this.signal = sig;
    [...this.listeners].forEach((fn) => fn());
    return true;
  }

  /** fn runs when the stop is requested; returns its remover */
  onStop(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** An AbortSignal that aborts when the stop is requested, and its remover. */
  abortOnStop(): { signal: AbortSignal; done(): void } {
    const abort = new AbortController();
    const done = this.onStop(() => abort.abort());
    return { signal: abort.signal, done };
  }

  /** resolves true after ms, or false at once when berth is (or starts) shutting down */
  delay(ms: number): Promise<boolean> {
    if (this.requested) return Promise.resolve(false);
    return new Promise((resolve) => {
      const unhook = this.onStop(() => {
        clearTimeout(t);
        resolve(false);
      });
      const t = setTimeout(() => {
        unhook();
        resolve(true);
      }, ms);
    });
  }
}
