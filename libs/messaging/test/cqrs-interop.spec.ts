import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  AggregateRoot,
  CqrsModule,
  EventBus,
  EventPublisher,
  EventsHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import { EventHandler, FailureActions, MessageContext } from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

class AccountOpened {
  constructor(readonly accountId: string) {}
}

class Account extends AggregateRoot {
  constructor(readonly id: string) {
    super();
  }
  open(): void {
    this.apply(new AccountOpened(this.id));
  }
}

@EventsHandler(AccountOpened)
class LegacyCqrsHandler implements IEventHandler<AccountOpened> {
  readonly seen: string[] = [];
  handle(event: AccountOpened): void {
    this.seen.push(event.accountId);
  }
}

@Injectable()
class BusHandler {
  readonly seen: string[] = [];
  readonly attempts: number[] = [];

  @EventHandler()
  opened(event: AccountOpened, context: MessageContext): void {
    this.attempts.push(context.attempt);
    if (event.accountId === 'flaky' && context.attempt === 1) throw new Error('first attempt fails');
    this.seen.push(event.accountId);
  }
}

describe('@nestjs/cqrs interop', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function start(): Promise<MessagingTestApp> {
    harness = await startMessagingApp(
      [LegacyCqrsHandler, BusHandler],
      { defaultFailureAction: FailureActions.retry({ attempts: 3, initialDelayMs: 1 }) },
      [CqrsModule.forRoot()],
    );
    return harness;
  }

  it('delivers events published on the cqrs EventBus to @EventHandler methods and to @EventsHandler classes', async () => {
    const { app, waitFor } = await start();
    app.get(EventBus).publish(new AccountOpened('acc-1'));
    await waitFor(
      () => app.get(BusHandler).seen.includes('acc-1') && app.get(LegacyCqrsHandler).seen.includes('acc-1'),
    );
    expect(app.get(BusHandler).seen).toEqual(['acc-1']);
    expect(app.get(LegacyCqrsHandler).seen).toEqual(['acc-1']);
  });

  it('routes AggregateRoot.commit through the pipeline, with retries', async () => {
    const { app, waitFor } = await start();
    const account = app.get(EventPublisher).mergeObjectContext(new Account('flaky'));
    account.open();
    account.commit();
    await waitFor(() => app.get(BusHandler).seen.includes('flaky'));
    expect(app.get(BusHandler).attempts).toEqual([1, 2]);
    await waitFor(() => app.get(LegacyCqrsHandler).seen.includes('flaky'));
  });

  it('forwards publishAll', async () => {
    const { app, waitFor } = await start();
    app.get(EventBus).publishAll([new AccountOpened('a'), new AccountOpened('b')]);
    await waitFor(
      () => app.get(BusHandler).seen.length === 2 && app.get(LegacyCqrsHandler).seen.length === 2,
    );
    expect(app.get(BusHandler).seen.sort()).toEqual(['a', 'b']);
  });
});
