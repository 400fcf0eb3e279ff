import type { Logger } from '@nestjs/common';
import { asError } from '../../errors/messaging-errors.js';
import type { IncomingRecord } from '../message-transport.js';
import type { BackoffBounds } from './backoff.js';
import { KeyedDispatcher, type KeyedOutcome, type TenantLimit } from './keyed-dispatcher.js';
import type { PartitionState } from './partition-state.js';

/** What a {@link BatchRun} needs from its consumer. */
export interface BatchRunOptions {
  readonly maxConcurrentKeys: number;
  /** The consumer's per-tenant limit; none when tenants are not limited. */
  readonly tenantLimit: TenantLimit<IncomingRecord> | undefined;
  readonly retry: BackoffBounds;
  /** Hands one record to the subscription; rejects when it must be delivered again. */
  readonly deliver: (record: IncomingRecord) => Promise<void>;
  /** Told about every delivery that settled, for the circuit breaker. */
  readonly settled: (record: IncomingRecord, rejected: boolean) => void;
  readonly logger: Logger;
}

/**
 * Delivers one round of records of one partition (a fetched batch, plus with look-ahead the records
 * held from earlier rounds): one key in offset order, different keys concurrently, tenants within
 * their limit (see {@link KeyedDispatcher}). A record whose delivery rejects stays unfinished in the
 * partition's tracker with its redelivery time noted, and the rest of its key waits for it; it is
 * delivered again in a later round once the delay is over.
 */
export class BatchRun {
  private readonly dispatcher: KeyedDispatcher<IncomingRecord>;

  constructor(
    private readonly state: PartitionState,
    private readonly records: readonly IncomingRecord[],
    private readonly options: BatchRunOptions,
  ) {
    this.dispatcher = new KeyedDispatcher(
      options.maxConcurrentKeys,
      (record) => this.deliver(record),
      options.tenantLimit,
    );
  }

  /**
   * Resolves once every record that can go now was delivered, or after {@link stop}, once the
   * running ones settled; with the records not finished.
   */
  run(): Promise<IncomingRecord[]> {
    return this.dispatcher.run(this.records);
  }

  /** Starts no further delivery (revocation, shutdown, open circuit); the unstarted records stay unfinished. */
  stop(): void {
    this.dispatcher.stop();
  }

  private async deliver(record: IncomingRecord): Promise<KeyedOutcome> {
    // Not due yet: held by the look-ahead, or fetched again before the partition's pause applied.
    if (this.state.waitBeforeDelivery(record.offset) > 0) return 'blocked';
    this.state.handlingStarted(record.offset);
    try {
      await this.options.deliver(record);
      this.state.finished(record.offset);
      this.options.settled(record, false);
      return 'done';
    } catch (thrown) {
      const delay = this.state.rejected(record.offset, this.options.retry);
      this.options.logger.warn(
        `${record.topic}[${record.partition}]@${record.offset} was not finished (attempt ` +
          `${this.state.failuresOf(record.offset)}: ${asError(thrown).message}); delivering it again in ${delay} ms`,
      );
      this.options.settled(record, true);
      return 'blocked';
    } finally {
      this.state.handlingEnded(record.offset);
    }
  }
}
