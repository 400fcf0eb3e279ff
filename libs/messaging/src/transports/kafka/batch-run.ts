import type { Logger } from '@nestjs/common';
import { asError } from '../../errors/messaging-errors.js';
import type { IncomingRecord } from '../message-transport.js';
import type { BackoffBounds } from './backoff.js';
import { KeyedDispatcher, type KeyedOutcome } from './keyed-dispatcher.js';
import type { PartitionState } from './partition-state.js';

/** What a {@link BatchRun} needs from its consumer. */
export interface BatchRunOptions {
  readonly maxConcurrentKeys: number;
  readonly retry: BackoffBounds;
  /** Hands one record to the subscription; rejects when it must be delivered again. */
  readonly deliver: (record: IncomingRecord) => Promise<void>;
  /** Told about every delivery that settled, for the circuit breaker. */
  readonly settled: (record: IncomingRecord, rejected: boolean) => void;
  readonly logger: Logger;
}

/**
 * Delivers the records of one fetched batch of one partition: one key in offset order, different
 * keys concurrently (see {@link KeyedDispatcher}). A record whose delivery rejects stays unfinished
 * in the partition's tracker with its redelivery time noted, and the rest of its key waits for it;
 * the consumer then fetches the partition again from there once the delay is over.
 */
export class BatchRun {
  private readonly dispatcher: KeyedDispatcher<IncomingRecord>;

  constructor(
    private readonly state: PartitionState,
    private readonly records: readonly IncomingRecord[],
    private readonly options: BatchRunOptions,
  ) {
    this.dispatcher = new KeyedDispatcher(options.maxConcurrentKeys, (record) => this.deliver(record));
  }

  /** Resolves once every record that can go now was delivered, or after {@link stop}, once the running ones settled. */
  async run(): Promise<void> {
    await this.dispatcher.run(this.records);
  }

  /** Starts no further delivery (revocation, shutdown, open circuit); the unstarted records stay unfinished. */
  stop(): void {
    this.dispatcher.stop();
  }

  private async deliver(record: IncomingRecord): Promise<KeyedOutcome> {
    // kafkajs may hand a partition back before its pause for a redelivery delay was applied.
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
