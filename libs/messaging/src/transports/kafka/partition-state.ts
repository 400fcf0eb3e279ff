import { backoffDelay, type BackoffBounds } from './backoff.js';
import type { LookAheadBuffer } from './look-ahead-buffer.js';
import { OffsetTracker } from './offset-tracker.js';

/** A record whose `handle` rejected, waiting to be delivered again. */
export interface Redelivery {
  readonly offset: string;
  /** Rejections so far. */
  readonly failures: number;
  /** When it may be delivered again (epoch ms). */
  readonly dueAt: number;
}

/**
 * What one member knows about one assigned partition during one group generation: which fetched
 * records are finished, which wait to be delivered again after their `handle` rejected, and with
 * look-ahead which are held between rounds.
 */
export class PartitionState {
  readonly tracker = new OffsetTracker();
  private readonly redeliveries = new Map<string, Redelivery>();
  private readonly handling = new Set<string>();

  constructor(
    /** The Kafka topic. */
    readonly topic: string,
    readonly partition: number,
    /** Records held between rounds; none without look-ahead. */
    readonly lookAhead: LookAheadBuffer | undefined,
  ) {}

  /** Notes that `offset` is being handled (until {@link handlingEnded}). */
  handlingStarted(offset: string): void {
    this.handling.add(offset);
  }

  handlingEnded(offset: string): void {
    this.handling.delete(offset);
  }

  /** Whether `offset` is being handled right now. */
  isHandling(offset: string): boolean {
    return this.handling.has(offset);
  }

  /** Notes a rejection of `offset`; returns how long to wait before delivering it again. */
  rejected(offset: string, bounds: BackoffBounds): number {
    const failures = (this.redeliveries.get(offset)?.failures ?? 0) + 1;
    const delay = backoffDelay(failures, bounds);
    this.redeliveries.set(offset, { offset, failures, dueAt: Date.now() + delay });
    return delay;
  }

  /** Notes that `offset` was handled or dead-lettered. */
  finished(offset: string): void {
    this.tracker.finish(offset);
    this.redeliveries.delete(offset);
  }

  /** Rejections of `offset` so far. */
  failuresOf(offset: string): number {
    return this.redeliveries.get(offset)?.failures ?? 0;
  }

  /** Milliseconds until `offset` may be delivered again; 0 when it may go now. */
  waitBeforeDelivery(offset: string): number {
    const redelivery = this.redeliveries.get(offset);
    return redelivery ? Math.max(0, redelivery.dueAt - Date.now()) : 0;
  }

  /** Milliseconds until the first waiting redelivery is due; 0 when none waits. */
  nextRedeliveryIn(): number {
    let earliest: number | undefined;
    for (const { dueAt } of this.redeliveries.values()) earliest = Math.min(earliest ?? dueAt, dueAt);
    return earliest === undefined ? 0 : Math.max(0, earliest - Date.now());
  }
}
