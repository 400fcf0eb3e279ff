import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { deadLetterOf } from '../dead-letters/dead-letter-of.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import { FailureActions, type FailureAction } from '../errors/error-policy.js';
import { FailureDecider } from '../errors/failure-decision.js';
import { asError } from '../errors/messaging-errors.js';
import { decodeCloudEvent, type DecodedEnvelope } from '../serialization/cloud-event-codec.js';
import type { IncomingRecord, MessageTransport } from '../transports/message-transport.js';
import { undecodedEnvelope } from '../transports/undecoded-envelope.js';
import { CloudEventContext } from './cloud-event-context.js';

/** Options of {@link CloudEventsServer}. */
export interface CloudEventsServerOptions {
  /** The transport to consume from, e.g. a `KafkaTransport`. The server starts and closes it. */
  readonly transport: MessageTransport;
  /** Consumer group of this microservice. */
  readonly groupId: string;
  /** What to do when a handler fails: default retry 3 attempts with backoff, then dead letter. */
  readonly failureAction?: FailureAction;
  /** Also keep dead letters here (besides the transport's dead-letter topic). */
  readonly deadLetterStore?: DeadLetterStore;
}

/**
 * A Nest microservices transport strategy over any `MessageTransport`, for `@EventPattern(topic)`
 * handlers: records are decoded as CloudEvents (binary or structured), a failing handler is
 * retried, then the record goes to the dead-letter topic, and the transport commits only finished
 * records. Undecodable records are dead-lettered with the reason; nothing loops or crashes the
 * consumer. `@EventHandler()` with `MessagingModule` remains the primary API; this is for apps
 * built on Nest's microservice model.
 *
 * ```ts
 * app.connectMicroservice({ strategy: new CloudEventsServer({ transport: new KafkaTransport(...), groupId: 'billing' }) });
 * ```
 */
export class CloudEventsServer extends Server implements CustomTransportStrategy {
  private readonly decider: FailureDecider;

  constructor(private readonly options: CloudEventsServerOptions) {
    super();
    this.decider = new FailureDecider([], options.failureAction ?? FailureActions.retry());
  }

  /** Subscribes to the topic of every `@EventPattern` handler and starts the transport. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const topics = [...this.messageHandlers.entries()]
        .filter(([, handler]) => handler.isEventHandler)
        .map(([pattern]) => pattern);
      if (topics.length > 0) {
        this.options.transport.subscribe({
          groupId: this.options.groupId,
          topics,
          handle: (record) => this.handleRecord(record),
        });
      }
      await this.options.transport.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops consuming, letting in-flight records finish and be committed. */
  async close(): Promise<void> {
    await this.options.transport.close();
  }

  /** Nest's event-listener hook; the transport reports through logs and dead letters instead. */
  on(): void {
    this.logger.warn?.('CloudEventsServer does not emit client events');
  }

  /** The underlying transport. */
  unwrap<T>(): T {
    return this.options.transport as T;
  }

  private async handleRecord(record: IncomingRecord): Promise<void> {
    let envelope: DecodedEnvelope;
    try {
      envelope = decodeCloudEvent(record);
    } catch (thrown) {
      await this.deadLetter(record, undefined, asError(thrown), 1);
      return;
    }
    const handler = this.getHandlerByPattern(record.topic);
    if (!handler) {
      this.logger.warn?.(
        `no @EventPattern handler for topic ${record.topic}; record ${record.partition}@${record.offset} skipped`,
      );
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await handler(envelope.message, new CloudEventContext([envelope, record, attempt]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        return;
      } catch (thrown) {
        const error = asError(thrown);
        const decision = this.decider.decide(error, envelope.type, attempt);
        if (decision.kind === 'retry') {
          await sleep(decision.delayMs);
          continue;
        }
        if (decision.kind !== 'discard') await this.deadLetter(record, envelope, error, attempt);
        return;
      }
    }
  }

  private async deadLetter(
    record: IncomingRecord,
    envelope: DecodedEnvelope | undefined,
    error: Error,
    attempts: number,
  ): Promise<void> {
    this.logger.error?.(
      `${record.topic}[${record.partition}]@${record.offset} dead-lettered after ${attempts} attempt(s): ${error.message}`,
    );
    await this.options.transport.deadLetter(record, {
      errorType: error.name,
      message: error.message,
      attempts,
      groupId: this.options.groupId,
    });
    await this.options.deadLetterStore?.add(
      deadLetterOf(envelope ?? undecodedEnvelope(record), {
        source: `${this.options.transport.name}:${record.topic}`,
        error,
        attempts,
        replayable: envelope !== undefined,
      }),
    );
  }
}
