// Ctrl-C and SIGTERM during a run: the first one stops the work at once
// (workers and the renderer are terminated, never waited for); once the
// results are complete, a signal exits with the run's own code at once.
export class Stop {
  private readonly controller = new AbortController();
  private exitCode: number | undefined;
  private readonly onSignal = (): void => {
    if (this.exitCode !== undefined) process.exit(this.exitCode);
    this.controller.abort();
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** The outcome is on disk: from now on a signal exits with `code` at once. */
  finished(code: number): void {
    this.exitCode = code;
  }
}
