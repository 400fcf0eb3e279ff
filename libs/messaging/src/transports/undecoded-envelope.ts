import type { Envelope } from '../bus/envelope.js';
import type { IncomingRecord } from './message-transport.js';

/**
 * A stand-in envelope for a record that could not be decoded, built from whatever CloudEvents
 * headers it has and its raw value, so it can still be dead-lettered and inspected.
 */
export function undecodedEnvelope(record: IncomingRecord): Envelope {
  return {
    id: record.headers['ce_id'] ?? `${record.topic}-${record.partition}-${record.offset}`,
    type: record.headers['ce_type'] ?? 'unknown',
    message: { raw: record.value?.toString('utf8') ?? null },
    correlationId: record.headers['ce_correlationid'] ?? '',
    tenantId: record.headers['ce_tenantid'],
    source: record.headers['ce_source'] ?? 'unknown',
    time: new Date().toISOString(),
    topic: record.topic,
    headers: record.headers,
  };
}
