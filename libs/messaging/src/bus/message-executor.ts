import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityTracker } from '../activity/activity-tracker.js';
import { deadLetterOf } from '../dead-letters/dead-letter-of.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { FailureDecider, FailureDecision } from '../errors/failure-decision.js';
import type { FailureOutcome } from '../activity/activity-record.js';
import { asError } from '../errors/messaging-errors.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import type { ExecutionMode, MessageExecution } from '../pipeline/message-middleware.js';
import { Result } from '../contracts/result.js';
import type { Envelope } from './envelope.js';
import { MessageContext, type ContextualBus } from './message-context.js';
import { MessageFlow } from './message-flow.js';

/** How one handler's run for one message ended. */
export type ExecutionOutcome =
  | { readonly status: 'succeeded'; readonly value: unknown }
  | { readonly status: 'requeue'; readonly attempt: number; readonly error: Error }
  | { readonly status: 'discarded'; readonly error: Error }
  | { readonly status: 'dead-lettered'; readonly error: Error; readonly attempts: number };

/** Dependencies of {@link MessageExecutor}, wired by the module. */
export interface MessageExecutorDeps {
  readonly pipeline: (execution: MessageExecution) => Promise<unknown>;
  readonly decider: FailureDecider;
  readonly deadLetters: DeadLetterStore;
  readonly tracker: ActivityTracker;
  /** The bus as seen from inside a handler of `envelope`. */
  readonly busFor: (envelope: Envelope) => ContextualBus;
  /** Publishes what a handler returned, in the handled message's flow. */
  readonly cascade: (messages: readonly object[], cause: Envelope) => Promise<void>;
}

/**
 * Runs one handler for one message through the pipeline, applying the error policies between
 * attempts: inline retries, requeue, discard or dead letter. Cascades the handler's messages only
 * after it succeeded.
 */
export class MessageExecutor {
  private readonly logger = new Logger('Messaging');

  constructor(private readonly deps: MessageExecutorDeps) {}

  /**
   * Runs `handler` for `envelope`, starting at attempt `firstAttempt`. In `invoke` mode a final
   * failure is thrown to the caller instead of being dead-lettered.
   */
  async execute(
    envelope: Envelope,
    handler: HandlerDescriptor,
    mode: ExecutionMode,
    source: string,
    firstAttempt = 1,
  ): Promise<ExecutionOutcome> {
    for (let attempt = firstAttempt; ; attempt++) {
      const context = new MessageContext(envelope, attempt, this.deps.busFor(envelope));
      const execution: MessageExecution = { envelope, context, handler, mode, source };
      this.deps.tracker.record({
        kind: 'executed',
        envelope,
        handler: handler.id,
        destination: source,
        attempt,
      });
      try {
        const value = await MessageFlow.run(envelope, () => this.deps.pipeline(execution));
        this.deps.tracker.record({
          kind: 'succeeded',
          envelope,
          handler: handler.id,
          destination: source,
          attempt,
        });
        const cascaded = cascadedMessages(value, mode);
        if (cascaded.length > 0) await this.deps.cascade(cascaded, envelope);
        return { status: 'succeeded', value };
      } catch (thrown) {
        const error = asError(thrown);
        const decision = this.deps.decider.decide(error, envelope.type, attempt);
        this.deps.tracker.record({
          kind: 'failed',
          envelope,
          handler: handler.id,
          destination: source,
          attempt,
          error,
          outcome: failureOutcome(decision, mode),
        });
        if (decision.kind === 'retry') {
          this.logger.warn(
            `${handler.id} failed on ${envelope.type} ${envelope.id} (attempt ${attempt}), retrying in ${decision.delayMs} ms: ${error.message}`,
          );
          await sleep(decision.delayMs);
          continue;
        }
        if (mode === 'invoke') throw error;
        if (decision.kind === 'requeue') return { status: 'requeue', attempt, error };
        if (decision.kind === 'discard') {
          this.logger.warn(
            `${handler.id} failed on ${envelope.type} ${envelope.id}; discarded by policy: ${error.message}`,
          );
          return { status: 'discarded', error };
        }
        await this.deadLetter(envelope, source, error, attempt, handler.id);
        return { status: 'dead-lettered', error, attempts: attempt };
      }
    }
  }

  /** Stores a dead letter for a message that could not be handled, and announces it. */
  async deadLetter(
    envelope: Envelope,
    source: string,
    error: Error,
    attempts: number,
    handler?: string,
    replayable = true,
  ): Promise<void> {
    this.logger.error(
      `${handler ?? source} gave up on ${envelope.type} ${envelope.id} after ${attempts} attempt(s); dead-lettered: ${error.message}`,
    );
    await this.deps.deadLetters.add(deadLetterOf(envelope, { source, error, attempts, handler, replayable }));
    this.deps.tracker.record({
      kind: 'dead-lettered',
      envelope,
      handler,
      destination: source,
      attempt: attempts,
      error,
    });
  }
}

/** What follows a failed attempt, as announced on its `failed` record. */
function failureOutcome(decision: FailureDecision, mode: ExecutionMode): FailureOutcome {
  if (decision.kind === 'retry') return 'retry';
  if (mode === 'invoke') return 'thrown';
  if (decision.kind === 'discard') return 'discarded';
  return decision.kind === 'requeue' ? 'requeue' : 'dead-lettered';
}

/**
 * What a handler's return value cascades. In `invoke` mode the value is the caller's answer, so only
 * a `Result`'s attached messages cascade; otherwise any returned message instance does.
 */
function cascadedMessages(value: unknown, mode: ExecutionMode): readonly object[] {
  if (Result.isResult(value)) return value.isSuccess ? value.messages : [];
  if (mode === 'invoke') return [];
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.filter(isMessageInstance);
}

function isMessageInstance(value: unknown): value is object {
  return typeof value === 'object' && value !== null && value.constructor !== Object;
}
