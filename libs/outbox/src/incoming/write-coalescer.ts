/** One item waiting for its batch's statement. */
interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches written by one statement each, at most `maxConcurrent`
 * statements at a time: items added while they run go together into the next one (up to
 * `maxBatch` per statement), so the busier it gets, the bigger the batches. Each `add` settles with
 * its item's result, or with the batch's error. Concurrent statements may complete in any order.
 */
export class WriteCoalescer<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private writers = 0;
  private idle: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private scheduled = false;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch: number,
    private readonly maxConcurrent = 1,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      if (this.writers === 0) this.idle = new Promise<void>((resolve) => (this.wake = resolve));
      // After the current turn, so the calls made in it share the first statement.
      setImmediate(() => {
        this.scheduled = false;
        this.startWriters();
      });
    });
  }

  /** Resolves once every item added so far is written (or failed). */
  async flush(): Promise<void> {
    await this.idle;
  }

  private startWriters(): void {
    while (this.writers < this.maxConcurrent && this.waiting.length > 0) {
      this.writers++;
      void this.drain();
    }
    if (this.writers === 0) this.wake?.();
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((waiting) => waiting.item));
        batch.forEach((waiting, index) => waiting.resolve(results[index]!));
      } catch (error) {
        batch.forEach((waiting) => waiting.reject(error));
      }
    }
    this.writers--;
    if (this.writers === 0 && !this.scheduled) this.wake?.();
  }
}
