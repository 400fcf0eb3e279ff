import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import {
  DEAD_LETTER_STORE,
  DomainEvent,
  EventHandler,
  FailureActions,
  MessageContext,
  MessageValidationError,
  type DeadLetterStore,
  type ErrorPolicy,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

class TransientError extends Error {
  override name = 'TransientError';
}
class FatalError extends Error {
  override name = 'FatalError';
}

@DomainEvent()
class Flaky {
  constructor(
    readonly failures: number,
    readonly errorKind: 'transient' | 'fatal' = 'transient',
  ) {}
}

@DomainEvent()
class Counted {
  @IsInt() @Min(0) readonly count: number;
  constructor(count: number) {
    this.count = count;
  }
}

@Injectable()
class FlakyHandler {
  readonly attempts: number[] = [];
  readonly attemptTimes: number[] = [];
  succeeded = 0;

  @EventHandler()
  handle(event: Flaky, context: MessageContext): void {
    this.attempts.push(context.attempt);
    this.attemptTimes.push(Date.now());
    if (context.attempt <= event.failures) {
      throw event.errorKind === 'fatal'
        ? new FatalError('cannot go on')
        : new TransientError(`attempt ${context.attempt} failed`);
    }
    this.succeeded++;
  }

  @EventHandler()
  counted(_event: Counted): void {
    this.succeeded++;
  }
}

const fast = FailureActions.retry({ attempts: 3, initialDelayMs: 1, maxDelayMs: 2 });

describe('error policies', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function start(
    errorPolicies: ErrorPolicy[],
  ): Promise<{ handler: FlakyHandler; deadLetters: DeadLetterStore }> {
    harness = await startMessagingApp([FlakyHandler], { errorPolicies, defaultFailureAction: fast });
    return {
      handler: harness.app.get(FlakyHandler),
      deadLetters: harness.app.get<DeadLetterStore>(DEAD_LETTER_STORE),
    };
  }

  it('retries by default and succeeds within the attempts', async () => {
    const { handler, deadLetters } = await start([]);
    await harness!.bus.publish(new Flaky(2));
    await harness!.idle();
    expect(handler.attempts).toEqual([1, 2, 3]);
    expect(handler.succeeded).toBe(1);
    expect(await deadLetters.list()).toEqual([]);
  });

  it('dead-letters with the error details once retries are exhausted', async () => {
    const { handler, deadLetters } = await start([]);
    await harness!.bus.publish(new Flaky(10), { tenantId: 'tenant-a', headers: { 'x-origin': 'test' } });
    await harness!.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    expect(handler.attempts).toEqual([1, 2, 3]);
    const [letter] = await deadLetters.list();
    expect(letter).toMatchObject({
      messageType: 'Flaky',
      body: { failures: 10, errorKind: 'transient' },
      tenantId: 'tenant-a',
      source: 'domain-events',
      handler: 'FlakyHandler.handle',
      errorType: 'TransientError',
      errorMessage: 'attempt 3 failed',
      attempts: 3,
      replayable: true,
    });
    expect(letter!.headers['x-origin']).toBe('test');
    expect(letter!.errorStack).toContain('TransientError');
    expect(letter!.failedAt).toBeInstanceOf(Date);
    expect(await deadLetters.list({ tenantId: 'other' })).toEqual([]);
    expect(await deadLetters.list({ messageType: 'Flaky' })).toHaveLength(1);
  });

  it('backs off exponentially between retries', async () => {
    const { handler } = await start([
      { action: FailureActions.retry({ attempts: 4, initialDelayMs: 40, factor: 2, jitter: 0 }) },
    ]);
    await harness!.bus.publish(new Flaky(3));
    await harness!.waitFor(() => handler.succeeded === 1);
    const gaps = handler.attemptTimes.slice(1).map((time, index) => time - handler.attemptTimes[index]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(155);
  });

  it('applies explicit cooldowns in order, then dead-letters', async () => {
    const { handler, deadLetters } = await start([{ action: FailureActions.cooldown(30, 60) }]);
    await harness!.bus.publish(new Flaky(5));
    await harness!.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    expect(handler.attempts).toEqual([1, 2, 3]);
    expect(handler.attemptTimes[1]! - handler.attemptTimes[0]!).toBeGreaterThanOrEqual(25);
    expect(handler.attemptTimes[2]! - handler.attemptTimes[1]!).toBeGreaterThanOrEqual(55);
    expect((await deadLetters.list())[0]?.attempts).toBe(3);
  });

  it('requeues behind other messages, then dead-letters after the maximum attempts', async () => {
    const { handler, deadLetters } = await start([
      { errors: [TransientError], action: FailureActions.requeue(3) },
    ]);
    await harness!.bus.publish(new Flaky(1));
    await harness!.bus.publish(new Flaky(9));
    await harness!.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    await harness!.idle();
    expect(handler.succeeded).toBe(1);
    expect(handler.attempts.filter((a) => a === 1)).toHaveLength(2);
    expect((await deadLetters.list())[0]).toMatchObject({ attempts: 3, body: { failures: 9 } });
  });

  it('discards by policy without a dead letter', async () => {
    const { handler, deadLetters } = await start([
      { messages: [Flaky], errors: [FatalError], action: FailureActions.discard() },
    ]);
    await harness!.bus.publish(new Flaky(1, 'fatal'));
    await harness!.idle();
    expect(handler.attempts).toEqual([1]);
    expect(await deadLetters.list()).toEqual([]);
    expect(harness!.records.filter((r) => r.kind === 'failed')).toHaveLength(1);
  });

  it('dead-letters at once by policy, matching the first policy in order', async () => {
    const { handler, deadLetters } = await start([
      { errors: [FatalError], action: FailureActions.deadLetter() },
      { action: FailureActions.retry({ attempts: 5, initialDelayMs: 1 }) },
    ]);
    await harness!.bus.publish(new Flaky(1, 'fatal'));
    await harness!.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    expect(handler.attempts).toEqual([1]);
    expect((await deadLetters.list())[0]).toMatchObject({ errorType: 'FatalError', attempts: 1 });
  });

  it('matches policies by message type name as well as class', async () => {
    const { handler } = await start([{ messages: ['Flaky'], action: FailureActions.discard() }]);
    await harness!.bus.publish(new Flaky(1));
    await harness!.idle();
    expect(handler.attempts).toEqual([1]);
  });

  it('never retries an invalid event: it goes to dead letters at once with the field errors', async () => {
    const { handler, deadLetters } = await start([
      { action: FailureActions.retry({ attempts: 5, initialDelayMs: 1 }) },
    ]);
    await harness!.bus.publish(new Counted(-2));
    await harness!.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    expect(handler.succeeded).toBe(0);
    const [letter] = await deadLetters.list();
    expect(letter).toMatchObject({ errorType: 'MessageValidationError', attempts: 1 });
    expect(letter!.errorMessage).toMatch(/count \(count must not be less than 0\)/);
    expect(harness!.records.filter((r) => r.kind === 'executed')).toHaveLength(1);
  });

  it('lets an explicit policy naming a non-retryable error override the dead-letter default', async () => {
    const { deadLetters } = await start([
      { errors: [MessageValidationError], action: FailureActions.discard() },
    ]);
    await harness!.bus.publish(new Counted(-1));
    await harness!.idle();
    expect(await deadLetters.list()).toEqual([]);
  });

  it('retries an invoke by policy, then throws the final error to the caller without dead-lettering', async () => {
    const { handler, deadLetters } = await start([]);
    await expect(harness!.bus.invoke(new Flaky(10))).rejects.toThrow('attempt 3 failed');
    expect(handler.attempts).toEqual([1, 2, 3]);
    expect(await deadLetters.list()).toEqual([]);
    await expect(harness!.bus.invoke(new Flaky(1))).resolves.toBeUndefined();
  });
});
