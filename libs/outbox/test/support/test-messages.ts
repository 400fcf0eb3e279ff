import { DomainEvent, EventTopic, PartitionKey, type Envelope } from '@momentum/messaging';
import type { OutgoingRow } from '../../src/outgoing/outgoing-store.js';

/** Topic of {@link OrderPlaced}. */
export const ORDER_PLACED = 'app_domain.outbox_tests.order-placed';

/** An integration event keyed by order: events of one order keep their order. */
@EventTopic(ORDER_PLACED)
export class OrderPlaced {
  @PartitionKey()
  readonly orderId: string;
  readonly sequence: number;

  constructor(orderId: string, sequence = 0) {
    this.orderId = orderId;
    this.sequence = sequence;
  }
}

/** A domain event handled in process (on a durable queue in the tests that configure one). */
@DomainEvent({ type: 'outbox_tests.stock-reserved' })
export class StockReserved {
  constructor(readonly orderId: string) {}
}

/** The envelope of an {@link OrderPlaced} as a transport would deliver it, for calling the inbox directly. */
export function orderPlacedEnvelope(id: string, orderId: string, sequence: number): Envelope {
  return {
    id,
    type: ORDER_PLACED,
    message: new OrderPlaced(orderId, sequence),
    correlationId: id,
    source: '/app_domain/test',
    time: new Date().toISOString(),
    headers: {},
  };
}

/** An outbox row of an {@link OrderPlaced}-typed record, for calling the store directly. */
export function outgoingRow(id: string, key: string | null): OutgoingRow {
  return {
    id,
    transport: 'in-memory',
    topic: ORDER_PLACED,
    partitionKey: key,
    headers: { ce_id: id },
    body: Buffer.from(JSON.stringify({ id })),
    messageType: ORDER_PLACED,
  };
}
