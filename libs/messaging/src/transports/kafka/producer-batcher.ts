import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { asError } from '../../errors/messaging-errors.js';
import type { TransportRecord } from '../message-transport.js';
import { backoffDelay } from './backoff.js';
import { KafkaPublishError } from './kafka-publish-error.js';

/** Batching and retry settings of {@link ProducerBatcher}. */
export interface ProducerBatcherOptions {
  readonly maxBatchSize: number;
  readonly lingerMs: number;
  readonly retries: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** Sends records in one request; see `KafkaProducerClient.send`. */
export type SendRecords = (records: readonly TransportRecord[]) => Promise<void>;

/** One `send` call of a publisher, settled once all its records are sent or one failed. */
interface PublishCall {
  unsent: number;
  failed: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface QueuedRecord {
  readonly record: TransportRecord;
  readonly call: PublishCall;
}

/**
 * Coalesces concurrent publishes into few producer requests: records queue up while a request is in
 * flight (or for `lingerMs`) and leave together, up to `maxBatchSize` per request. Only one request
 * is in flight at a time, because kafkajs's idempotent producer numbers records per partition when
 * it builds a request and two concurrent requests would get overlapping sequence numbers; it also
 * keeps records of one key in publish order across retries. A failed request is retried with
 * exponential backoff; when retries run out, every publish with a record in it rejects with a
 * {@link KafkaPublishError} naming the topics and the cause.
 */
export class ProducerBatcher {
  private readonly logger = new Logger('KafkaProducer');
  private queue: QueuedRecord[] = [];
  private draining: Promise<void> | undefined;
  /** Cancels the pending start of a drain, while one is scheduled. */
  private cancelLinger: (() => void) | undefined;

  constructor(
    private readonly sendRecords: SendRecords,
    private readonly options: ProducerBatcherOptions,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  /** Resolves once every record is acknowledged; rejects if any of them could not be sent. */
  send(records: readonly TransportRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const call: PublishCall = { unsent: records.length, failed: false, resolve, reject };
      for (const record of records) this.queue.push({ record, call });
      this.schedule();
    });
  }

  /** Sends what is queued now, without lingering, and resolves once nothing is queued or in flight. */
  async flush(): Promise<void> {
    while (this.draining || this.queue.length > 0) {
      if (!this.draining) this.startDraining();
      await this.draining;
    }
  }

  private schedule(): void {
    if (this.draining) return; // the running drain loop takes the new records next
    if (this.queue.length >= this.options.maxBatchSize) {
      this.startDraining();
    } else if (!this.cancelLinger && this.options.lingerMs > 0) {
      const timer = setTimeout(() => this.startDraining(), this.options.lingerMs);
      this.cancelLinger = () => clearTimeout(timer);
    } else if (!this.cancelLinger) {
      // A zero linger still waits one macrotask, so publishes made in the same tick share a request.
      const immediate = setImmediate(() => this.startDraining());
      this.cancelLinger = () => clearImmediate(immediate);
    }
  }

  private startDraining(): void {
    this.cancelLinger?.();
    this.cancelLinger = undefined;
    if (this.draining || this.queue.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.sendWithRetries(this.queue.splice(0, this.options.maxBatchSize));
    }
  }

  private async sendWithRetries(batch: readonly QueuedRecord[]): Promise<void> {
    const records = batch.map((queued) => queued.record);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sendRecords(records);
        batch.forEach(({ call }) => this.sent(call));
        return;
      } catch (thrown) {
        const error = asError(thrown);
        if (attempt > this.options.retries || (error as { retriable?: unknown }).retriable === false) {
          const failure = new KafkaPublishError(topicsOf(records), attempt, error);
          batch.forEach(({ call }) => this.failed(call, failure));
          return;
        }
        const delay = backoffDelay(attempt, {
          initialDelayMs: this.options.retryInitialDelayMs,
          maxDelayMs: this.options.retryMaxDelayMs,
        });
        this.logger.warn(
          `Sending ${records.length} record(s) to ${topicsOf(records).join(', ')} failed (attempt ${attempt}): ` +
            `${error.message}; retrying in ${delay} ms`,
        );
        await this.wait(delay);
      }
    }
  }

  private sent(call: PublishCall): void {
    call.unsent -= 1;
    if (call.unsent === 0 && !call.failed) call.resolve();
  }

  private failed(call: PublishCall, error: Error): void {
    if (call.failed) return;
    call.failed = true;
    call.reject(error);
  }
}

function topicsOf(records: readonly TransportRecord[]): string[] {
  return [...new Set(records.map((record) => record.topic))];
}
