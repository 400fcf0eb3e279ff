/** One item waiting for its batch's statement. */
interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches written by one statement each, one statement at a time:
 * items added while a statement runs go together into the next one (up to `maxBatch` per
 * statement), so the busier it gets, the bigger the batches. Each `add` settles with its item's
 * result, or with the batch's error.
 */
export class WriteCoalescer<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch: number,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // After the current turn, so the calls made in it share the first statement.
      this.writing ??= new Promise<void>((started) => setImmediate(started)).then(() => this.drain());
    });
  }

  /** Resolves once every item added so far is written (or failed). */
  async flush(): Promise<void> {
    await this.writing;
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
    this.writing = undefined;
  }
}
