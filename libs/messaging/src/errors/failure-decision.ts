import { messageTypeOf } from '../contracts/message-metadata.js';
import { DEFAULT_FAILURE_ACTION, type ErrorPolicy, type FailureAction } from './error-policy.js';
import { isNonRetryable } from './messaging-errors.js';

/** The verdict on one failed attempt. */
export type FailureDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'requeue' }
  | { readonly kind: 'discard' }
  | { readonly kind: 'dead-letter' };

/** Applies the configured error policies to a failed attempt. */
export class FailureDecider {
  constructor(
    private readonly policies: readonly ErrorPolicy[],
    private readonly fallback: FailureAction = DEFAULT_FAILURE_ACTION,
    private readonly random: () => number = Math.random,
  ) {}

  /** What to do after attempt number `attempt` (1-based) of handling `type` failed with `error`. */
  decide(error: Error, type: string, attempt: number): FailureDecision {
    const explicit = this.policies.find((policy) => this.matches(policy, error, type, true));
    if (!explicit && isNonRetryable(error)) return { kind: 'dead-letter' };
    const policy = explicit ?? this.policies.find((candidate) => this.matches(candidate, error, type, false));
    return this.apply(policy?.action ?? this.fallback, attempt);
  }

  private matches(policy: ErrorPolicy, error: Error, type: string, namingTheError: boolean): boolean {
    if (namingTheError && !policy.errors?.length) return false;
    const messageMatches =
      !policy.messages?.length ||
      policy.messages.some(
        (candidate) => (typeof candidate === 'string' ? candidate : messageTypeOf(candidate)) === type,
      );
    const errorMatches =
      !policy.errors?.length || policy.errors.some((errorClass) => error instanceof errorClass);
    return messageMatches && errorMatches;
  }

  private apply(action: FailureAction, attempt: number): FailureDecision {
    switch (action.kind) {
      case 'retry':
        return attempt < action.attempts
          ? { kind: 'retry', delayMs: this.backoff(action, attempt) }
          : { kind: 'dead-letter' };
      case 'cooldown':
        return attempt <= action.delaysMs.length
          ? { kind: 'retry', delayMs: action.delaysMs[attempt - 1]! }
          : { kind: 'dead-letter' };
      case 'requeue':
        return attempt < action.maxAttempts ? { kind: 'requeue' } : { kind: 'dead-letter' };
      case 'discard':
        return { kind: 'discard' };
      case 'dead-letter':
        return { kind: 'dead-letter' };
    }
  }

  private backoff(action: Extract<FailureAction, { kind: 'retry' }>, attempt: number): number {
    const base = Math.min(action.maxDelayMs, action.initialDelayMs * action.factor ** (attempt - 1));
    const spread = base * action.jitter;
    return Math.max(0, Math.round(base - spread + this.random() * 2 * spread));
  }
}
