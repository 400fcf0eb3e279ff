/**
 * An offset as the tracker keeps it. Offsets are int64 in Kafka: a number while it is exact (every
 * offset a partition will realistically reach, and much cheaper per record), a `bigint` beyond 2^53.
 * Each offset has one form only, so sets find it; `<` and `>` compare the two forms correctly.
 */
type Position = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The position of `offset` (a decimal string). */
function positionOf(offset: string): Position {
  return offset.length < 16 ? Number(offset) : exact(BigInt(offset));
}

function exact(position: bigint): Position {
  return position <= MAX_SAFE ? Number(position) : position;
}

function next(position: Position): Position {
  return typeof position === 'number' && position < Number.MAX_SAFE_INTEGER
    ? position + 1
    : exact(BigInt(position) + 1n);
}

/**
 * What is finished in one partition, and so how far its group may commit: up to the lowest record
 * fetched but not finished (handled or dead-lettered), never past one in flight, however many later
 * records of other keys are already done.
 */
export class OffsetTracker {
  private readonly unfinished = new Set<Position>();
  /** Finished records at or above the last commit; a refetch after a redelivery skips them. */
  private readonly finishedAhead = new Set<Position>();
  /** One past the highest offset known finished or skipped. */
  private end: Position | undefined;
  private committed: Position | undefined;

  /** Notes a fetched record as unfinished. Returns `false` when it is already finished (skip it). */
  track(offset: string): boolean {
    const position = positionOf(offset);
    if (this.isFinished(position)) return false;
    this.unfinished.add(position);
    return true;
  }

  /** Notes a record as handled or dead-lettered. */
  finish(offset: string): void {
    const position = positionOf(offset);
    this.unfinished.delete(position);
    this.finishedAhead.add(position);
    this.advanceEnd(next(position));
  }

  /**
   * Counts offsets up to `offset` that never reach the consumer (transaction markers, compacted
   * records) as finished, so the commit can move past them once everything before is done.
   */
  coverThrough(offset: string): void {
    this.advanceEnd(next(positionOf(offset)));
  }

  /** Tracked records that are not finished. */
  get unfinishedCount(): number {
    return this.unfinished.size;
  }

  /** The lowest tracked record that is not finished, if any. */
  lowestUnfinished(): string | undefined {
    const lowest = this.lowest();
    return lowest === undefined ? undefined : String(lowest);
  }

  /** Tracked records that are not finished, lowest first. */
  unfinishedOffsets(): string[] {
    return [...this.unfinished].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  }

  /**
   * The offset to commit (the next record the group should read), or `undefined` when it would not
   * move past the last commit.
   */
  commitPoint(): string | undefined {
    const point = this.lowest() ?? this.end;
    if (point === undefined || (this.committed !== undefined && point <= this.committed)) return undefined;
    return String(point);
  }

  /** Notes that the group committed `offset`. */
  committedAt(offset: string): void {
    const position = positionOf(offset);
    if (this.committed !== undefined && position <= this.committed) return;
    this.committed = position;
    for (const finished of this.finishedAhead) if (finished < position) this.finishedAhead.delete(finished);
  }

  private isFinished(position: Position): boolean {
    return (this.committed !== undefined && position < this.committed) || this.finishedAhead.has(position);
  }

  private lowest(): Position | undefined {
    let lowest: Position | undefined;
    for (const position of this.unfinished) if (lowest === undefined || position < lowest) lowest = position;
    return lowest;
  }

  private advanceEnd(position: Position): void {
    if (this.end === undefined || position > this.end) this.end = position;
  }
}
