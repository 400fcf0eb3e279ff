import { randomUUID } from 'node:crypto';
import type { MessageTransport, TransportRecord } from '@momentum/messaging';
import type { EntityManager } from 'typeorm';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import type { StoredDeadLetter } from '../dead-letters/stored-dead-letter.js';
import type { MessageStore } from '../schema/message-store.js';
import { backoffDelay } from './backoff.js';
import type { ClaimedRow } from './outgoing-store.js';
import { isRetryable } from './retryable.js';

/** What became of one claimed batch. */
export interface BatchOutcome {
  readonly claimed: number;
  readonly sent: number;
  readonly deadLettered: number;
  /** A send failed in a way that may pass (the transport is probably down): the relay backs off. */
  readonly failed: boolean;
  readonly lastError?: Error;
}

/** Finds a transport by name (the bus's `TransportRegistry`). */
export type TransportLookup = (name: string) => MessageTransport;

/**
 * Sends the claimed rows of one batch, in order, inside the relay's transaction, and deletes what
 * the transport acknowledged. Rows that would overtake an earlier row of their key wait. When a
 * whole send fails, rows go one by one to find the culprit: a row the transport refuses for good,
 * or one that used up its attempts, is dead-lettered with the reason; the first row failing for
 * a reason that may pass is counted and delayed, and the batch stops there.
 */
export class BatchPublisher {
  constructor(
    private readonly store: MessageStore,
    private readonly transports: TransportLookup,
    private readonly options: ResolvedOutboxOptions['relay'],
  ) {}

  async publish(manager: EntityManager, claimed: readonly ClaimedRow[]): Promise<BatchOutcome> {
    const sent: string[] = [];
    let deadLettered = 0;
    let failure: Error | undefined;
    for (const [transport, rows] of byTransport(claimed.filter((row) => row.inOrder))) {
      try {
        await this.transports(transport).publish(rows.map(toRecord));
        sent.push(...rows.map((row) => row.seq));
        continue;
      } catch (batchError) {
        const isolated = await this.oneByOne(manager, transport, rows, batchError as Error);
        sent.push(...isolated.sent);
        deadLettered += isolated.deadLettered;
        failure = isolated.failure;
      }
      if (failure) break;
    }
    await this.store.outgoing.delete(manager, sent);
    return {
      claimed: claimed.length,
      sent: sent.length,
      deadLettered,
      failed: failure !== undefined,
      lastError: failure,
    };
  }

  private async oneByOne(
    manager: EntityManager,
    transportName: string,
    rows: readonly ClaimedRow[],
    batchError: Error,
  ): Promise<{ sent: string[]; deadLettered: number; failure?: Error }> {
    const sent: string[] = [];
    let deadLettered = 0;
    for (const row of rows) {
      let error: Error;
      try {
        await this.transports(transportName).publish([toRecord(row)]);
        sent.push(row.seq);
        continue;
      } catch (thrown) {
        error = (thrown as Error) ?? batchError;
      }
      if (!isRetryable(error) || row.attempts + 1 >= this.options.maxAttempts) {
        await this.store.deadLetters.insert(manager, deadLetterOf(row, error));
        await this.store.outgoing.delete(manager, [row.seq]);
        deadLettered++;
        continue;
      }
      const delay = backoffDelay(
        row.attempts + 1,
        this.options.retryInitialDelayMs,
        this.options.retryMaxDelayMs,
      );
      await this.store.outgoing.fail(manager, row.seq, delay, `${error.name}: ${error.message}`);
      return { sent, deadLettered, failure: error };
    }
    return { sent, deadLettered };
  }
}

/** Rows grouped by transport, each group in claim order. */
function byTransport(rows: readonly ClaimedRow[]): Map<string, ClaimedRow[]> {
  const groups = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const group = groups.get(row.transport);
    if (group) group.push(row);
    else groups.set(row.transport, [row]);
  }
  return groups;
}

function toRecord(row: ClaimedRow): TransportRecord {
  return { topic: row.topic, key: row.partitionKey, value: row.body, headers: row.headers };
}

function deadLetterOf(row: ClaimedRow, error: Error): StoredDeadLetter {
  return {
    id: randomUUID(),
    messageId: row.id,
    messageType: row.messageType,
    body: parseBody(row.body),
    headers: row.headers,
    tenantId: row.tenantId,
    correlationId: row.headers['ce_correlationid'],
    source: `outbox:${row.transport}:${row.topic}`,
    errorType: errorTypeOf(error),
    errorMessage: error.message,
    errorStack: error.stack,
    attempts: row.attempts + 1,
    failedAt: new Date(),
    replayable: true,
    transport: row.transport,
    topic: row.topic,
    partitionKey: row.partitionKey ?? undefined,
  };
}

/** The error's class name when its `name` is the generic `Error` (subclasses that do not set `name`). */
function errorTypeOf(error: Error): string {
  return error.name === 'Error' && error.constructor.name ? error.constructor.name : error.name;
}

function parseBody(body: Buffer | null): unknown {
  if (body === null) return null;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
