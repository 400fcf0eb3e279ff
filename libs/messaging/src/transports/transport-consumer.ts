import { Logger } from '@nestjs/common';
import type { ActivityTracker } from '../activity/activity-tracker.js';
import type { Envelope } from '../bus/envelope.js';
import type { ExecutionOutcome, MessageExecutor } from '../bus/message-executor.js';
import { asError } from '../errors/messaging-errors.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { decodeCloudEvent, type DecodedEnvelope } from '../serialization/cloud-event-codec.js';
import { verifySignature, type SigningKey } from '../serialization/cloud-event-signature.js';
import { toMessageInstance } from '../serialization/message-instance.js';
import type { MessageInbox } from './message-inbox.js';
import { undecodedEnvelope } from './undecoded-envelope.js';
import type { IncomingRecord, MessageTransport } from './message-transport.js';
import type { TopicAccessPolicy } from './topic-access.js';

/** How far the handlers of a record got before its delivery failed. */
interface HandlerProgress {
  /** Next attempt of each requeued handler. */
  readonly attempts: Map<string, number>;
  /** Handlers that finished (succeeded, discarded or dead-lettered it). */
  readonly done: Set<string>;
}

/** A record opened for handling: its envelope, or why it is not handled. */
type Opened =
  | { readonly envelope: Envelope }
  | { readonly rejected: Error; readonly decoded?: DecodedEnvelope }
  | { readonly unhandled: DecodedEnvelope };

/** Settings of a {@link TransportConsumer}. */
export interface TransportConsumerOptions {
  /** This service's consumer group, written on dead letters and used as the inbox consumer. */
  readonly groupId: string;
  readonly inbox?: MessageInbox;
  /** When non-empty, only events signed with one of these keys are handled. */
  readonly acceptKeys?: readonly SigningKey[];
  /** Records this service may not consume are dead-lettered, never handled. */
  readonly topicAccess?: TopicAccessPolicy;
}

/**
 * Turns records a transport delivers into handler executions. A record that cannot be decoded,
 * fails signature verification or may not be consumed here is dead-lettered at once; a record of an unknown type is logged,
 * recorded as `no-handler` and skipped; a handler that asks for a requeue makes the transport redeliver the record,
 * and handlers that already succeeded for it are not run again.
 */
export class TransportConsumer {
  private readonly logger = new Logger('Messaging');
  /** Per record to be delivered again: next attempt of each requeued handler, and handlers already done. */
  private readonly progress = new Map<string, HandlerProgress>();
  /** Envelopes of records announced by {@link prepare} and not handled or forgotten yet. */
  private readonly prepared = new Map<IncomingRecord, Envelope>();

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly executor: MessageExecutor,
    private readonly tracker: ActivityTracker,
    private readonly options: TransportConsumerOptions,
  ) {}

  /** Handles one delivered record; rejects only when the record must be redelivered. */
  async handle(transport: MessageTransport, record: IncomingRecord): Promise<void> {
    const source = `${transport.name}:${record.topic}`;
    const prepared = this.prepared.get(record);
    if (prepared) this.prepared.delete(record);
    const opened = prepared ? { envelope: prepared } : this.open(record);
    if ('rejected' in opened) return this.reject(transport, record, opened.rejected, source, opened.decoded);
    if ('unhandled' in opened) {
      this.logger.warn(
        `${source}: no handler for type '${opened.unhandled.type}' (record ${record.partition}@${record.offset}); skipped`,
      );
      this.tracker.record({ kind: 'no-handler', envelope: opened.unhandled, destination: source });
      return;
    }
    const { envelope } = opened;
    this.tracker.record({ kind: 'received', envelope, destination: source, topic: record.topic });
    const run = (): Promise<void> => this.runHandlers(transport, record, envelope, source);
    if (!this.options.inbox) return run();
    const fresh = await this.options.inbox.receive(envelope, this.options.groupId, run);
    if (!fresh)
      this.logger.debug(
        `${source}: ${envelope.type} ${envelope.id} already handled by ${this.options.groupId}; duplicate discarded`,
      );
  }

  /**
   * Records about to be handled: when the inbox takes announcements, they are opened now and
   * announced together (the batched inbox claims them in one statement instead of one at a time).
   */
  prepare(records: readonly IncomingRecord[]): void {
    const inbox = this.options.inbox;
    if (!inbox?.prepare) return;
    const envelopes: Envelope[] = [];
    for (const record of records) {
      const opened = this.open(record);
      if (!('envelope' in opened)) continue;
      this.prepared.set(record, opened.envelope);
      envelopes.push(opened.envelope);
    }
    if (envelopes.length > 0) inbox.prepare(envelopes, this.options.groupId);
  }

  /** Prepared records that will not be handled after all: the inbox lets their messages go. */
  forget(records: readonly IncomingRecord[]): void {
    const envelopes: Envelope[] = [];
    for (const record of records) {
      const envelope = this.prepared.get(record);
      if (!envelope) continue;
      this.prepared.delete(record);
      envelopes.push(envelope);
    }
    if (envelopes.length > 0) this.options.inbox?.forget?.(envelopes, this.options.groupId);
  }

  /** Decodes, verifies and checks a record: the envelope to handle, or why there is none. */
  private open(record: IncomingRecord): Opened {
    let decoded: DecodedEnvelope | undefined;
    try {
      decoded = withTenantFallback(decodeCloudEvent(record));
      if (this.options.acceptKeys?.length) verifySignature(decoded, this.options.acceptKeys);
      this.options.topicAccess?.assertConsume(record.topic, decoded.tenantId);
    } catch (thrown) {
      return { rejected: asError(thrown), decoded };
    }
    const handlers = this.registry.handlersFor(decoded.type);
    if (handlers.length === 0) return { unhandled: decoded };
    const messageClass = handlers[0]!.messageClass as new () => object;
    return { envelope: { ...decoded, message: toMessageInstance(messageClass, decoded.message) } };
  }

  private async runHandlers(
    transport: MessageTransport,
    record: IncomingRecord,
    envelope: Envelope,
    source: string,
  ): Promise<void> {
    const key = `${record.topic}|${record.partition}|${record.offset}`;
    const progress = this.progress.get(key);
    const handlers = this.registry.handlersFor(envelope.type);
    for (let index = 0; index < handlers.length; index++) {
      const handler = handlers[index]!;
      if (progress?.done.has(handler.id)) continue;
      let outcome: ExecutionOutcome;
      try {
        outcome = await this.executor.execute(
          envelope,
          handler,
          'deliver',
          source,
          progress?.attempts.get(handler.id) ?? 1,
        );
        if (outcome.status === 'dead-lettered') await this.forward(transport, record, outcome);
      } catch (error) {
        this.keepProgress(key, progress, handlers, index);
        throw error;
      }
      if (outcome.status === 'requeue') {
        this.keepProgress(key, progress, handlers, index).attempts.set(handler.id, outcome.attempt + 1);
        throw outcome.error;
      }
    }
    if (progress) this.progress.delete(key);
  }

  /**
   * Keeps what a record's redelivery must know: the handlers before `index` are done. Most records
   * finish on their first delivery, so their progress is only written down when they do not.
   */
  private keepProgress(
    key: string,
    progress: HandlerProgress | undefined,
    handlers: readonly HandlerDescriptor[],
    index: number,
  ): HandlerProgress {
    const kept = progress ?? { attempts: new Map<string, number>(), done: new Set<string>() };
    for (const handler of handlers.slice(0, index)) kept.done.add(handler.id);
    this.progress.set(key, kept);
    return kept;
  }

  /** Writes a record whose handler dead-lettered it to the transport's dead-letter destination. */
  private forward(
    transport: MessageTransport,
    record: IncomingRecord,
    outcome: Extract<ExecutionOutcome, { status: 'dead-lettered' }>,
  ): Promise<void> {
    return transport.deadLetter(record, {
      errorType: outcome.error.name,
      message: outcome.error.message,
      attempts: outcome.attempts,
      groupId: this.options.groupId,
    });
  }

  /**
   * Dead-letters a record that must not reach any handler: undecodable, failing verification, or
   * denied by topic access. A record that did decode is filed under its own envelope, since its
   * tenant may be in the payload or a structured document rather than the `ce_tenantid` header.
   */
  private async reject(
    transport: MessageTransport,
    record: IncomingRecord,
    error: Error,
    source: string,
    decoded: DecodedEnvelope | undefined,
  ): Promise<void> {
    const envelope = decoded ?? undecodedEnvelope(record);
    await this.executor.deadLetter(envelope, source, error, 1, undefined, false);
    await transport.deadLetter(record, {
      errorType: error.name,
      message: error.message,
      attempts: 1,
      groupId: this.options.groupId,
    });
  }
}

/** The tenant of an event without the tenant extension is its `tenantId` property, when it has one. */
function withTenantFallback(decoded: DecodedEnvelope): DecodedEnvelope {
  const property = decoded.message.tenantId;
  return decoded.tenantId || typeof property !== 'string' || !property
    ? decoded
    : { ...decoded, tenantId: property };
}
