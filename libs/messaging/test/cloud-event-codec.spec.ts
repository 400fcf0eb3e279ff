import { describe, expect, it } from '@jest/globals';
import { Kafka, type KafkaMessage } from 'cloudevents';
import {
  decodeCloudEvent,
  encodeCloudEvent,
  MessageDeserializationError,
  toStructuredRecord,
  type Envelope,
} from '@momentum/messaging';

const envelope: Envelope = {
  id: '7d1c6c9e-3f0e-4d7c-9a51-4f8f1f7b8a10',
  type: 'app_domain.orders.order-created',
  message: { orderId: 'o-1', tenantId: '4b0c1c0e-0000-4000-8000-000000000001', totalAmount: 25 },
  correlationId: 'corr-1',
  causationId: 'cause-1',
  tenantId: '4b0c1c0e-0000-4000-8000-000000000001',
  partitionKey: '4b0c1c0e-0000-4000-8000-000000000001',
  source: '/app_domain/orders',
  time: '2026-11-27T10:00:00.000Z',
  headers: {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'x-custom': 'kept',
  },
};

describe('CloudEvents binary-mode codec', () => {
  const record = encodeCloudEvent(envelope, 'app_domain.orders.order-created');

  it('writes the record layout of the design: key, JSON value, ce_* headers and extensions', () => {
    expect(record.key).toBe(envelope.partitionKey);
    expect(JSON.parse(record.value!.toString())).toEqual(envelope.message);
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: envelope.id,
      ce_type: envelope.type,
      ce_source: '/app_domain/orders',
      ce_time: envelope.time,
      'content-type': 'application/json',
      ce_tenantid: envelope.tenantId,
      ce_partitionkey: envelope.partitionKey,
      ce_correlationid: 'corr-1',
      ce_causationid: 'cause-1',
      ce_traceparent: envelope.headers.traceparent,
      'x-custom': 'kept',
    });
  });

  it('falls back to the message id as the key when there is no partition key', () => {
    expect(encodeCloudEvent({ ...envelope, partitionKey: undefined }, 't').key).toBe(envelope.id);
  });

  it('decodes with the cloudevents SDK Kafka binding', () => {
    const message: KafkaMessage = {
      key: record.key!,
      value: record.value!,
      headers: record.headers,
      body: record.value!,
      timestamp: String(Date.parse(envelope.time)),
    };
    const event = Kafka.toEvent(message);
    const single = Array.isArray(event) ? event[0]! : event;
    expect(single.id).toBe(envelope.id);
    expect(single.type).toBe(envelope.type);
    expect(single.source).toBe('/app_domain/orders');
    expect(single.specversion).toBe('1.0');
    expect(single['tenantid']).toBe(envelope.tenantId);
    expect(single['partitionkey']).toBe(envelope.partitionKey);
    expect(single['traceparent']).toBe(envelope.headers.traceparent);
    expect(single.data).toEqual(envelope.message);
  });

  it('round-trips through our decoder', () => {
    const decoded = decodeCloudEvent({ ...record, partition: 0, offset: '0' });
    expect(decoded).toMatchObject({
      id: envelope.id,
      type: envelope.type,
      message: envelope.message,
      correlationId: 'corr-1',
      causationId: 'cause-1',
      tenantId: envelope.tenantId,
      partitionKey: envelope.partitionKey,
      topic: 'app_domain.orders.order-created',
    });
    expect(decoded.headers).toEqual({ traceparent: envelope.headers.traceparent, 'x-custom': 'kept' });
  });

  it('keeps unmapped extensions and other headers in order, an extension winning over a header of its name', () => {
    const headers = {
      'x-first': '1',
      traceparent: 'plain',
      ...record.headers,
      ce_myextension: 'mine',
      ce_: 'unnamed',
      'x-last': '2',
    };
    const decoded = decodeCloudEvent({ ...record, headers, partition: 0, offset: '0' });
    expect(Object.entries(decoded.headers)).toEqual([
      ['x-first', '1'],
      ['traceparent', envelope.headers.traceparent],
      ['x-custom', 'kept'],
      ['x-last', '2'],
      ['myextension', 'mine'],
      ['', 'unnamed'],
    ]);
  });

  it.each([
    ['no CloudEvents headers', { headers: {} }, /missing ce_specversion, ce_id, ce_type, ce_source/],
    [
      'a missing id and source',
      { headers: { ce_specversion: '1.0', ce_type: 't' } },
      /missing ce_id, ce_source$/,
    ],
    [
      'another spec version',
      { headers: { ...record.headers, ce_specversion: '0.3' } },
      /unsupported CloudEvents specversion '0.3'/,
    ],
    [
      'a non-JSON content type',
      { headers: { ...record.headers, 'content-type': 'text/plain' } },
      /unsupported content-type 'text\/plain'/,
    ],
    ['broken JSON', { value: Buffer.from('{') }, /not valid JSON/],
    ['a JSON array', { value: Buffer.from('[1]') }, /must be a JSON object/],
    ['no value', { value: null }, /must be a JSON object/],
  ])('rejects a record with %s', (_label, change, reason) => {
    const bad = { ...record, partition: 1, offset: '9', ...change };
    expect(() => decodeCloudEvent(bad)).toThrow(MessageDeserializationError);
    expect(() => decodeCloudEvent(bad)).toThrow(reason);
  });

  describe('structured mode', () => {
    const structured = toStructuredRecord(record);

    it('holds attributes and data in one application/cloudevents+json document, keeping key and other headers', () => {
      expect(structured.key).toBe(record.key);
      expect(structured.headers).toEqual({
        'x-custom': 'kept',
        'content-type': 'application/cloudevents+json',
      });
      expect(JSON.parse(structured.value!.toString())).toEqual({
        specversion: '1.0',
        id: envelope.id,
        type: envelope.type,
        source: '/app_domain/orders',
        time: envelope.time,
        tenantid: envelope.tenantId,
        partitionkey: envelope.partitionKey,
        correlationid: 'corr-1',
        causationid: 'cause-1',
        traceparent: envelope.headers.traceparent,
        datacontenttype: 'application/json',
        data: envelope.message,
      });
    });

    it('decodes with the cloudevents SDK and with our decoder to the same envelope as binary mode', () => {
      const event = Kafka.toEvent({
        key: structured.key!,
        value: structured.value!,
        body: structured.value!,
        headers: structured.headers,
        timestamp: '0',
      } as KafkaMessage);
      const single = Array.isArray(event) ? event[0]! : event;
      expect(single.id).toBe(envelope.id);
      expect(single['tenantid']).toBe(envelope.tenantId);
      expect(single.data).toEqual(envelope.message);
      expect(decodeCloudEvent({ ...structured, partition: 0, offset: '1' })).toEqual(
        decodeCloudEvent({ ...record, partition: 0, offset: '1' }),
      );
    });

    it('rejects a structured document without the required attributes', () => {
      const bad = { ...structured, value: Buffer.from('{"data":{}}'), partition: 0, offset: '2' };
      expect(() => decodeCloudEvent(bad)).toThrow(/missing specversion, id, type, source/);
    });
  });
});
