import { describe, expect, it } from '@jest/globals';
import {
  Command,
  DomainEvent,
  EventTopic,
  messageMetadataOf,
  messageTypeOf,
  PartitionKey,
  partitionKeyOf,
  Result,
} from '@momentum/messaging';

@EventTopic('app_domain.orders.order-created')
class OrderCreated {
  @PartitionKey({ order: 1 }) readonly orderId = 'o-1';
  @PartitionKey({ order: 0 }) readonly tenantId = 't-1';
}

@EventTopic('app_domain.orders.order-events', { type: 'app_domain.orders.order-cancelled' })
class OrderCancelled {
  getPartitionKey(): string {
    return 'custom-key';
  }
}

@DomainEvent({ type: 'orders.status-changed' })
class StatusChanged {}

@Command()
class PlaceOrder {}

class Plain {}

describe('message contracts', () => {
  it('names integration events after their topic unless a type is given', () => {
    expect(messageMetadataOf(OrderCreated)).toEqual({
      type: 'app_domain.orders.order-created',
      kind: 'integration-event',
      topic: 'app_domain.orders.order-created',
    });
    expect(messageMetadataOf(OrderCancelled)).toMatchObject({
      type: 'app_domain.orders.order-cancelled',
      topic: 'app_domain.orders.order-events',
    });
  });

  it('keeps explicit type names for domain events and uses class names otherwise', () => {
    expect(messageTypeOf(new StatusChanged())).toBe('orders.status-changed');
    expect(messageMetadataOf(PlaceOrder)).toEqual({ type: 'PlaceOrder', kind: 'command' });
    expect(messageMetadataOf(Plain)).toEqual({ type: 'Plain', kind: 'message' });
  });

  it('rejects a malformed topic at declaration time', () => {
    expect(() => EventTopic('has spaces')).toThrow(/a topic is 1 to 249 characters/);
  });

  it('joins partition-key properties with | in their declared order, or uses getPartitionKey()', () => {
    expect(partitionKeyOf(new OrderCreated())).toBe('t-1|o-1');
    expect(partitionKeyOf(new OrderCancelled())).toBe('custom-key');
    expect(partitionKeyOf(new Plain())).toBeUndefined();
  });
});

describe('Result', () => {
  it('carries a value on success and errors on failure', () => {
    expect(Result.ok(5).value).toBe(5);
    const failed = Result.fail({ code: 'not_found', message: 'no such order' });
    expect(failed.isFailure).toBe(true);
    expect(failed.errors).toEqual([{ code: 'not_found', message: 'no such order' }]);
    expect(() => failed.value).toThrow(/Result is a failure: no such order/);
  });

  it('maps successes, passes failures through, and keeps cascaded messages', () => {
    const event = new StatusChanged();
    const mapped = Result.ok(2)
      .cascade(event)
      .map((n) => n * 10);
    expect(mapped.value).toBe(20);
    expect(mapped.messages).toEqual([event]);
    const failure = Result.fail({ code: 'x', message: 'y' });
    expect(failure.map(() => 1)).toBe(failure);
  });
});
