/**
 * A latch the relay sleeps on: {@link wake} ends the current (or the next) {@link wait} at once;
 * otherwise `wait` ends after its timeout. Wake-ups while nobody waits are remembered, not lost.
 */
export class WakeSignal {
  private pending = false;
  private waiter: (() => void) | undefined;

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter();
    else this.pending = true;
  }

  /** Resolves on a wake-up or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
