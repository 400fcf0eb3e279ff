import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import {
  Command,
  DomainEvent,
  EventHandler,
  FailureActions,
  InMemoryBroker,
  InMemoryTransport,
  MessageContext,
  Result,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

@DomainEvent()
class Attempted {
  constructor(readonly failUntilAttempt: number) {}
}
@DomainEvent()
class FollowUp {
  constructor(readonly from: string) {}
}
@DomainEvent()
class Fanned {
  constructor(readonly index: number) {}
}
@Command()
class RoutedCommand {
  constructor(readonly value: string) {}
}

@Injectable()
class CascadingHandlers {
  readonly followUps: string[] = [];
  readonly fanned: number[] = [];
  readonly routed: { value: string; source: string; topic?: string }[] = [];

  @EventHandler()
  attempted(event: Attempted, context: MessageContext): FollowUp {
    if (context.attempt <= event.failUntilAttempt) throw new Error(`attempt ${context.attempt} fails`);
    return new FollowUp(`attempt ${context.attempt}`);
  }

  @EventHandler()
  followUp(event: FollowUp): Fanned[] {
    this.followUps.push(event.from);
    return [new Fanned(1), new Fanned(2), new Fanned(3)];
  }

  @EventHandler()
  fan(event: Fanned): void {
    this.fanned.push(event.index);
  }

  @EventHandler()
  routedCommand(command: RoutedCommand, context: MessageContext): Result<void> {
    this.routed.push({
      value: command.value,
      source: context.envelope.source,
      topic: context.envelope.topic,
    });
    return Result.fail({ code: 'rejected', message: 'no' }).cascade(
      new FollowUp('failed result'),
    ) as unknown as Result<void>;
  }
}

describe('cascading and explicit routes', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('cascades a returned message once, only after the handler finally succeeded, and arrays of messages each', async () => {
    harness = await startMessagingApp([CascadingHandlers], {
      defaultFailureAction: FailureActions.retry({ attempts: 3, initialDelayMs: 1 }),
    });
    const session = await trackActivity(harness.app).doNotFailOnHandlerErrors().publish(new Attempted(2));
    const handlers = harness.app.get(CascadingHandlers);
    expect(handlers.followUps).toEqual(['attempt 3']);
    expect(handlers.fanned.sort()).toEqual([1, 2, 3]);
    expect(session.failed.count).toBe(2);
    expect(session.sent.all(FollowUp)).toHaveLength(1);
    expect(session.sent.all(Fanned)).toHaveLength(3);
  });

  it('cascades nothing from a handler that never succeeds', async () => {
    harness = await startMessagingApp([CascadingHandlers], {
      defaultFailureAction: FailureActions.retry({ attempts: 2, initialDelayMs: 1 }),
    });
    const session = await trackActivity(harness.app).doNotFailOnHandlerErrors().publish(new Attempted(5));
    expect(session.deadLettered.single(Attempted).failUntilAttempt).toBe(5);
    expect(session.sent.all(FollowUp)).toEqual([]);
    expect(harness.app.get(CascadingHandlers).followUps).toEqual([]);
  });

  it('does not cascade the messages of a failed Result', async () => {
    harness = await startMessagingApp([CascadingHandlers]);
    const session = await trackActivity(harness.app).invoke(new RoutedCommand('inline'));
    expect((session.result as Result<void>).isFailure).toBe(true);
    expect(session.sent.all(FollowUp)).toEqual([]);
  });

  it('sends a message with an explicit route through that transport and topic, where its handler consumes it', async () => {
    harness = await startMessagingApp([CascadingHandlers], {
      transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
      routes: [{ messages: [RoutedCommand], transport: 'in-memory', topic: 'app_domain.commands.routed' }],
    });
    const session = await trackActivity(harness.app).send(new RoutedCommand('over the wire'));
    expect(session.sent.records.find((r) => r.envelope.message instanceof RoutedCommand)?.destination).toBe(
      'in-memory:app_domain.commands.routed',
    );
    expect(harness.app.get(CascadingHandlers).routed).toEqual([
      { value: 'over the wire', source: '/app_domain/test-service', topic: 'app_domain.commands.routed' },
    ]);
  });
});
