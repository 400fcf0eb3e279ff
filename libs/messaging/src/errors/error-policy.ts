import type { MessageClass } from '../contracts/message-class.js';

/** Exponential backoff with jitter. */
export interface RetryAction {
  readonly kind: 'retry';
  /** Total attempts including the first. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** Fraction of each delay randomised, 0 to 1. */
  readonly jitter: number;
}

/** Retries after each listed delay, in order, then dead-letters. */
export interface CooldownAction {
  readonly kind: 'cooldown';
  readonly delaysMs: readonly number[];
}

/** Puts the message back at the end of its queue (or lets the transport redeliver it). */
export interface RequeueAction {
  readonly kind: 'requeue';
  /** Total attempts including the first, then dead letter. */
  readonly maxAttempts: number;
}

/** Drops the message, logging why. */
export interface DiscardAction {
  readonly kind: 'discard';
}

/** Moves the message to the dead letters at once. */
export interface DeadLetterAction {
  readonly kind: 'dead-letter';
}

/** What to do when a handler fails. */
export type FailureAction = RetryAction | CooldownAction | RequeueAction | DiscardAction | DeadLetterAction;

/** An error class to match with `instanceof`. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * One error policy: when a handler of one of `messages` (any message when absent) fails with one
 * of `errors` (any error when absent), apply `action`. Policies are checked in order; the first
 * match wins.
 */
export interface ErrorPolicy {
  readonly messages?: readonly (MessageClass | string)[];
  readonly errors?: readonly ErrorClass[];
  readonly action: FailureAction;
}

/** Builders of {@link FailureAction}s, for readable policy lists. */
export const FailureActions = {
  /** Exponential backoff with jitter; defaults: 3 attempts, 100 ms doubling up to 5 s, 20 % jitter. */
  retry(options: Partial<Omit<RetryAction, 'kind'>> = {}): RetryAction {
    return {
      kind: 'retry',
      attempts: 3,
      initialDelayMs: 100,
      factor: 2,
      maxDelayMs: 5_000,
      jitter: 0.2,
      ...options,
    };
  },
  /** Retries after each of `delaysMs`, then dead-letters. */
  cooldown(...delaysMs: number[]): CooldownAction {
    return { kind: 'cooldown', delaysMs };
  },
  /** Requeues at the end of the queue up to `maxAttempts` attempts in all, then dead-letters. */
  requeue(maxAttempts = 3): RequeueAction {
    return { kind: 'requeue', maxAttempts };
  },
  discard(): DiscardAction {
    return { kind: 'discard' };
  },
  deadLetter(): DeadLetterAction {
    return { kind: 'dead-letter' };
  },
};

/** The policy applied when no configured policy matches: retry 3 times with backoff, then dead letter. */
export const DEFAULT_FAILURE_ACTION: RetryAction = FailureActions.retry();
