import { describe, expect, it } from '@jest/globals';
import { encodeCloudEvent, toStructuredRecord } from '../../src/serialization/cloud-event-codec.js';
import { recordTenant, rememberingRecordTenant } from '../../src/transports/kafka/record-tenant.js';
import type { IncomingRecord, TransportRecord } from '../../src/transports/message-transport.js';

function incoming(record: TransportRecord): IncomingRecord {
  return { ...record, partition: 0, offset: '0' };
}

function event(tenantId: string | undefined, message: Record<string, unknown> = {}): TransportRecord {
  return encodeCloudEvent(
    {
      id: 'e-1',
      type: 'OrderPlaced',
      source: '/orders',
      time: new Date(0).toISOString(),
      message,
      correlationId: 'e-1',
      tenantId,
      topic: 'orders',
      headers: {},
    },
    'orders',
  );
}

describe('recordTenant', () => {
  it('reads the tenant extension in binary and in structured mode', () => {
    expect(recordTenant(incoming(event('acme')))).toBe('acme');
    expect(recordTenant(incoming(toStructuredRecord(event('acme'))))).toBe('acme');
  });

  it("falls back to the event's tenantId property, as the bus does", () => {
    expect(recordTenant(incoming(event(undefined, { tenantId: 'globex' })))).toBe('globex');
    expect(recordTenant(incoming(toStructuredRecord(event(undefined, { tenantId: 'globex' }))))).toBe(
      'globex',
    );
  });

  it('finds no tenant in a record without one or that is not JSON', () => {
    expect(recordTenant(incoming(event(undefined)))).toBeUndefined();
    const raw = { topic: 'orders', key: null, value: Buffer.from('not json'), headers: {} };
    expect(recordTenant(incoming(raw))).toBeUndefined();
    expect(recordTenant(incoming({ ...raw, value: null }))).toBeUndefined();
  });

  it('works out each record once when remembering', () => {
    const tenantOf = rememberingRecordTenant();
    const record = incoming(event(undefined, { tenantId: 'globex' }));
    expect(tenantOf(record)).toBe('globex');
    (record as { value: Buffer | null }).value = null;
    expect(tenantOf(record)).toBe('globex');
  });
});
