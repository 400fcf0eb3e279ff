/** What became of one item: `done` lets its key go on; `blocked` holds the key's later items back. */
export type KeyedOutcome = 'done' | 'blocked';

/** Something with an ordering key; `null` means no order to keep. */
export interface KeyedItem {
  readonly key: string | null;
}

/**
 * Runs the records of one partition batch: records with the same key one after another in offset
 * order, records of different keys concurrently, at most `limit` at a time. A record whose work
 * reports `blocked` (it failed and will be redelivered) holds back the rest of its key, so no later
 * record of that key overtakes it; other keys carry on. Records without a key have no order to keep.
 * One dispatcher runs one batch.
 */
export class KeyedDispatcher<T extends KeyedItem> {
  /** Items not started yet, per lane (a key, or a lane of its own for a keyless item). */
  private readonly lanes = new Map<string, T[]>();
  /** Lanes whose next item may start, in the order they became ready. */
  private readonly ready: string[] = [];
  private running = 0;
  private stopped = false;
  private settle: ((notRun: T[]) => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly work: (item: T) => Promise<KeyedOutcome>,
  ) {}

  /** Runs the items; resolves with those that did not run (held back by a blocked key, or stopped). */
  run(items: readonly T[]): Promise<T[]> {
    items.forEach((item, index) => {
      const lane = item.key ?? `\u0000keyless-${index}`;
      const queued = this.lanes.get(lane);
      if (queued) queued.push(item);
      else this.lanes.set(lane, [item]);
    });
    this.ready.push(...this.lanes.keys());
    return new Promise<T[]>((resolve) => {
      this.settle = resolve;
      this.pump();
    });
  }

  /** Starts nothing more; {@link run} resolves once the items already running have settled. */
  stop(): void {
    this.stopped = true;
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.limit && this.ready.length > 0) {
      const lane = this.ready.shift()!;
      this.start(lane, this.lanes.get(lane)!.shift()!);
    }
    if (this.running === 0 && (this.stopped || this.ready.length === 0) && this.settle) {
      const settle = this.settle;
      this.settle = undefined;
      settle([...this.lanes.values()].flat());
    }
  }

  private start(lane: string, item: T): void {
    this.running += 1;
    this.work(item)
      .catch((): KeyedOutcome => 'blocked')
      .then((outcome) => {
        this.running -= 1;
        const rest = this.lanes.get(lane)!;
        if (rest.length === 0) this.lanes.delete(lane);
        else if (outcome === 'done') this.ready.push(lane);
        this.pump();
      });
  }
}
