import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import type { MessageStore } from '../schema/message-store.js';
import { backoffDelay } from './backoff.js';
import { BatchPublisher, type BatchOutcome, type TransportLookup } from './batch-publisher.js';
import { BucketRotation } from './key-buckets.js';
import { WakeSignal } from './wake-signal.js';

/**
 * Moves committed outbox rows to their transports. Each batch is one transaction: claim up to
 * `batchSize` rows (`FOR UPDATE SKIP LOCKED`, so relays of several processes share the work),
 * send them, delete what was acknowledged, commit. A crash anywhere before the commit leaves the
 * rows in place for the next claim. Wakes on commits in this process and on `NOTIFY` from others,
 * and polls as the fallback; backs off while nothing can be sent (transport or database down).
 */
export class OutboxRelay {
  private readonly logger = new Logger('Outbox');
  private readonly signal = new WakeSignal();
  private readonly publisher: BatchPublisher;
  private readonly buckets = new BucketRotation();
  private running: Promise<void> | undefined;
  private stopping = false;
  private stopped = new AbortController();
  private consecutiveFailures = 0;

  constructor(
    private readonly store: MessageStore,
    transports: TransportLookup,
    private readonly options: ResolvedOutboxOptions['relay'],
  ) {
    this.publisher = new BatchPublisher(store, transports, options);
  }

  /** Starts relaying in the background. */
  start(): void {
    this.stopping = false;
    this.stopped = new AbortController();
    this.running ??= this.loop();
  }

  /** Asks for a batch now (new rows were committed). */
  wake(): void {
    this.signal.wake();
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    this.signal.wake();
    await this.running;
    this.running = undefined;
  }

  /**
   * Stops the loop, then relays batch after batch until one sends nothing (all sent, or the rest
   * backing off or unsendable now): what is left waits for the next relay.
   */
  async drain(): Promise<void> {
    await this.stop();
    for (;;) {
      const outcome = await this.relayBatch().catch((error: Error) => this.databaseFailed(error));
      if (!outcome || outcome.sent + outcome.deadLettered === 0) return;
    }
  }

  /** Claims (rows of `buckets`' keys, and rows without a key), sends and deletes one batch in one transaction. */
  relayBatch(buckets?: readonly number[]): Promise<BatchOutcome> {
    return this.store.dataSource.transaction(async (manager) => {
      const claimed = await this.store.outgoing.claim(manager, this.options.batchSize, buckets);
      if (claimed.length === 0) return { claimed: 0, sent: 0, deadLettered: 0, failed: false };
      return this.publisher.publish(manager, claimed);
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const outcome = await this.relayBatch(this.buckets.next()).catch((error: Error) =>
        this.databaseFailed(error),
      );
      if (this.stopping) break;
      if (outcome === undefined || (outcome.failed && outcome.sent === 0)) {
        await this.backOff(outcome?.lastError);
        continue;
      }
      this.recovered();
      const full = outcome.sent + outcome.deadLettered > 0 && outcome.claimed >= this.options.batchSize;
      if (this.buckets.claimed(full)) continue;
      if (!full) await this.idle();
    }
  }

  /** Sleeps until woken (or the poll interval), then lingers so close commits share a batch. */
  private async idle(): Promise<void> {
    await this.signal.wait(this.options.pollIntervalMs);
    if (this.options.lingerMs > 0)
      await sleep(this.options.lingerMs, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  private databaseFailed(error: Error): undefined {
    this.logFailure(`cannot claim outbox rows: ${error.message}`);
    return undefined;
  }

  private async backOff(sendError: Error | undefined): Promise<void> {
    if (sendError) this.logFailure(`cannot send outbox rows: ${sendError.message}`);
    this.consecutiveFailures++;
    const delay = backoffDelay(
      this.consecutiveFailures,
      this.options.backoffInitialMs,
      this.options.backoffMaxMs,
    );
    await sleep(delay, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  private logFailure(message: string): void {
    if (this.consecutiveFailures % 20 === 0) this.logger.warn(`relay: ${message} (backing off)`);
  }

  private recovered(): void {
    if (this.consecutiveFailures > 0)
      this.logger.log(`relay: recovered after ${this.consecutiveFailures} failed attempt(s)`);
    this.consecutiveFailures = 0;
  }
}
