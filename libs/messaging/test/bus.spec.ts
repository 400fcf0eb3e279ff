import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { IsPositive, IsString, MinLength } from 'class-validator';
import {
  Command,
  DomainEvent,
  EventHandler,
  EventTopic,
  MessageContext,
  NoRouteError,
  PartitionKey,
  Result,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

@Command()
class CreateOrder {
  @IsString() @MinLength(3) customer!: string;
  @IsPositive() amount!: number;
  constructor(init: Partial<CreateOrder> = {}) {
    Object.assign(this, init);
  }
}

@DomainEvent()
class OrderCreated {
  constructor(
    readonly orderId: string,
    readonly tenantId?: string,
  ) {}
}

@DomainEvent()
class OrderAudited {
  constructor(readonly orderId: string) {}
}

@DomainEvent()
class Unhandled {}

@EventTopic('app_domain.orders.order-shipped')
class OrderShipped {
  @PartitionKey() readonly orderId: string;
  constructor(orderId: string) {
    this.orderId = orderId;
  }
}

@Injectable()
class Ledger {
  readonly entries: string[] = [];
}

@Injectable()
class OrderHandlers {
  readonly contexts: MessageContext[] = [];

  @EventHandler()
  create(command: CreateOrder, context: MessageContext): Result<string> {
    this.contexts.push(context);
    return Result.ok(`order-for-${command.customer}`).cascade(new OrderCreated('o-1'));
  }

  @EventHandler()
  created(event: OrderCreated, context: MessageContext, ledger: Ledger): OrderAudited {
    this.contexts.push(context);
    ledger.entries.push(`created ${event.orderId}`);
    return new OrderAudited(event.orderId);
  }

  @EventHandler()
  audited(event: OrderAudited, ledger: Ledger): void {
    ledger.entries.push(`audited ${event.orderId}`);
  }

  @EventHandler()
  shipped(event: OrderShipped, ledger: Ledger): void {
    ledger.entries.push(`shipped ${event.orderId}`);
  }
}

@Injectable()
class SecondCreatedHandler {
  @EventHandler()
  alsoCreated(event: OrderCreated, ledger: Ledger): void {
    ledger.entries.push(`second ${event.orderId}`);
  }
}

describe('MessageBus', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('invokes a command inline, returns its Result and cascades its messages after success', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    const result = await harness.bus.invoke<Result<string>>(new CreateOrder({ customer: 'ada', amount: 3 }));
    expect(result.isSuccess).toBe(true);
    expect(result.value).toBe('order-for-ada');
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('audited o-1'));
    expect(harness.app.get(Ledger).entries).toEqual(['created o-1', 'audited o-1']);
  });

  it('returns a failed Result with field errors when an invoked command is invalid, without running the handler', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    const result = await harness.bus.invoke<Result<string>>(new CreateOrder({ customer: 'x', amount: -1 }));
    expect(result.isFailure).toBe(true);
    expect(result.errors.map((e) => e.field).sort()).toEqual(['amount', 'customer']);
    expect(result.errors.every((e) => e.code === 'validation')).toBe(true);
    expect(harness.app.get(OrderHandlers).contexts).toHaveLength(0);
  });

  it('carries correlation, causation and tenant from a handled message into the messages it cascades', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    await harness.bus.invoke(new CreateOrder({ customer: 'ada', amount: 3 }), {
      tenantId: 't-1',
      correlationId: 'flow-9',
    });
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('audited o-1'));
    const [commandContext, eventContext] = harness.app.get(OrderHandlers).contexts;
    expect(commandContext!.correlationId).toBe('flow-9');
    expect(eventContext!.correlationId).toBe('flow-9');
    expect(eventContext!.causationId).toBe(commandContext!.id);
    expect(eventContext!.tenantId).toBe('t-1');
    expect(eventContext!.envelope.partitionKey).toBe('t-1');
    expect(eventContext!.attempt).toBe(1);
  });

  it('publishes to every handler of a message type', async () => {
    harness = await startMessagingApp([OrderHandlers, SecondCreatedHandler, Ledger]);
    await harness.bus.publish(new OrderCreated('o-7'));
    await harness.waitFor(() => harness!.app.get(Ledger).entries.length === 3);
    expect(harness.app.get(Ledger).entries.sort()).toEqual(['audited o-7', 'created o-7', 'second o-7']);
  });

  it('treats publish without a route as a recorded no-op', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    await harness.bus.publish(new Unhandled());
    expect(harness.records.filter((r) => r.kind === 'no-handler').map((r) => r.envelope.type)).toEqual([
      'Unhandled',
    ]);
  });

  it('rejects send without a route, and invoke without exactly one handler', async () => {
    harness = await startMessagingApp([OrderHandlers, SecondCreatedHandler, Ledger]);
    await expect(harness.bus.send(new Unhandled())).rejects.toThrow(NoRouteError);
    await expect(harness.bus.invoke(new Unhandled())).rejects.toThrow(/No handler for Unhandled/);
    await expect(harness.bus.invoke(new OrderCreated('o'))).rejects.toThrow(
      /2 handlers .*invoke needs exactly one/,
    );
  });

  it('sends to the single local queue of a message', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    await harness.bus.send(new OrderAudited('o-3'));
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('audited o-3'));
  });

  it("routes integration events through the transport to this service's own handler, keyed by partition key", async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    await harness.bus.publish(new OrderShipped('o-5'));
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('shipped o-5'));
    const sent = harness.records.find(
      (r) => r.kind === 'sent' && r.envelope.type === 'app_domain.orders.order-shipped',
    );
    expect(sent?.destination).toBe('in-memory:app_domain.orders.order-shipped');
    expect(sent?.envelope.partitionKey).toBe('o-5');
    const received = harness.records.find(
      (r) => r.kind === 'received' && r.envelope.type === 'app_domain.orders.order-shipped',
    );
    expect(received?.envelope.message).toBeInstanceOf(OrderShipped);
    expect(received?.envelope.source).toBe('/app_domain/test-service');
  });

  it('delivers scheduled messages after their delay, not before', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    const started = Date.now();
    await harness.bus.schedule(new OrderAudited('later'), { delayMs: 150 });
    expect(harness.records.some((r) => r.kind === 'scheduled')).toBe(true);
    expect(harness.app.get(Ledger).entries).toEqual([]);
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('audited later'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('accepts a date for scheduling and rejects an invalid one', async () => {
    harness = await startMessagingApp([OrderHandlers, Ledger]);
    await harness.bus.schedule(new OrderAudited('at'), { at: new Date(Date.now() + 20) });
    await harness.waitFor(() => harness!.app.get(Ledger).entries.includes('audited at'));
    await expect(harness.bus.schedule(new OrderAudited('x'), { at: new Date('nope') })).rejects.toThrow(
      /invalid due time/,
    );
  });
});
