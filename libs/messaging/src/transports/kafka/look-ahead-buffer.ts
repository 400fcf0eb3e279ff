import type { IncomingRecord } from '../message-transport.js';

/** What one fetched batch adds to a round of handling. */
export interface Admission {
  /** The records of the round: those held from earlier rounds, then the newly fetched ones. */
  readonly records: IncomingRecord[];
  /** The first fetched record that did not fit; the partition must be fetched again from it. */
  readonly overflow: string | undefined;
}

/**
 * The records of one partition fetched and not finished yet, held from one round of handling to the
 * next so that the consumer can fetch past them (look-ahead), at most `capacity` of them. Only
 * records that are held are tracked as unfinished, so the commit never passes one; a record that
 * did not fit is fetched again later.
 */
export class LookAheadBuffer {
  private held: IncomingRecord[] = [];
  private readonly heldOffsets = new Set<string>();
  private newest: string | undefined;

  constructor(
    /** Records held at most. */
    readonly capacity: number,
  ) {}

  /** Records held. */
  get size(): number {
    return this.held.length;
  }

  /**
   * Takes fetched records in, in offset order, until the buffer is full: those held already are
   * skipped, and so are those `track` reports finished (it notes the others as unfinished).
   */
  admit(fetched: readonly IncomingRecord[], track: (offset: string) => boolean): Admission {
    const taken: IncomingRecord[] = [];
    for (const record of fetched) {
      if (this.heldOffsets.has(record.offset)) continue;
      if (this.held.length + taken.length >= this.capacity) {
        return { records: [...this.held, ...taken], overflow: record.offset };
      }
      if (!track(record.offset)) continue;
      taken.push(record);
      this.newest = record.offset;
    }
    return { records: [...this.held, ...taken], overflow: undefined };
  }

  /** Holds what a round did not finish, in place of what was held before it. */
  hold(unfinished: readonly IncomingRecord[]): void {
    this.held = [...unfinished].sort(byOffset);
    this.heldOffsets.clear();
    this.held.forEach((record) => this.heldOffsets.add(record.offset));
  }

  /**
   * Where the partition's next fetch should start while records are held: at the newest record
   * taken in. Fetching it again guarantees the next batch (and so the next round) even when nothing
   * newer arrives; it is skipped as held or finished. `undefined` when nothing is held.
   */
  refetchPoint(): string | undefined {
    return this.held.length > 0 ? this.newest : undefined;
  }
}

function byOffset(a: IncomingRecord, b: IncomingRecord): number {
  const difference = BigInt(a.offset) - BigInt(b.offset);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
