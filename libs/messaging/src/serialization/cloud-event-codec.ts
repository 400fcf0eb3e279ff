import type { Envelope } from '../bus/envelope.js';
import { MessageDeserializationError } from '../errors/messaging-errors.js';
import type { IncomingRecord, TransportRecord } from '../transports/message-transport.js';

/** Prefix of CloudEvents attributes in Kafka headers (binary mode). */
const CE = 'ce_';
const REQUIRED = ['specversion', 'id', 'type', 'source'] as const;
/** Envelope fields carried as CloudEvents extensions (lowercase alphanumeric names, as the spec requires). */
const EXTENSIONS = {
  tenantid: 'tenantId',
  partitionkey: 'partitionKey',
  correlationid: 'correlationId',
  causationid: 'causationId',
} as const;
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** An envelope read off the wire, before its JSON body becomes a message instance. */
export type DecodedEnvelope = Envelope<Record<string, unknown>>;

/**
 * Encodes an envelope as a CloudEvents 1.0 Kafka-binding record in binary mode: the event JSON as
 * the value, attributes as `ce_*` headers, the partition key (else the message id) as the key.
 */
export function encodeCloudEvent(envelope: Envelope, topic: string): TransportRecord {
  const headers: Record<string, string> = {
    ...withoutTraceHeaders(envelope.headers),
    [`${CE}specversion`]: '1.0',
    [`${CE}id`]: envelope.id,
    [`${CE}type`]: envelope.type,
    [`${CE}source`]: envelope.source,
    [`${CE}time`]: envelope.time,
    'content-type': 'application/json',
  };
  for (const [extension, field] of Object.entries(EXTENSIONS)) {
    const value = envelope[field];
    if (value) headers[`${CE}${extension}`] = value;
  }
  for (const name of TRACE_HEADERS) {
    if (envelope.headers[name]) headers[`${CE}${name}`] = envelope.headers[name];
  }
  return {
    topic,
    key: envelope.partitionKey ?? envelope.id,
    value: Buffer.from(JSON.stringify(envelope.message)),
    headers,
  };
}

/**
 * Decodes a binary-mode CloudEvents record. Throws a {@link MessageDeserializationError} naming
 * what is wrong when the record is not a CloudEvent or its data is not JSON.
 */
export function decodeCloudEvent(record: IncomingRecord): DecodedEnvelope {
  const headers = record.headers;
  const missing = REQUIRED.filter((attribute) => !headers[`${CE}${attribute}`]);
  if (missing.length > 0) {
    throw new MessageDeserializationError(
      `record ${record.topic}[${record.partition}]@${record.offset} is not a CloudEvent: missing ${missing.map((m) => CE + m).join(', ')}`,
    );
  }
  if (headers[`${CE}specversion`] !== '1.0') {
    throw new MessageDeserializationError(
      `unsupported CloudEvents specversion '${headers[`${CE}specversion`]}'`,
    );
  }
  const id = headers[`${CE}id`]!;
  return {
    id,
    type: headers[`${CE}type`]!,
    source: headers[`${CE}source`]!,
    time: headers[`${CE}time`] ?? new Date().toISOString(),
    message: parseData(record, headers['content-type']),
    correlationId: headers[`${CE}correlationid`] ?? id,
    causationId: headers[`${CE}causationid`],
    tenantId: headers[`${CE}tenantid`],
    partitionKey: headers[`${CE}partitionkey`],
    topic: record.topic,
    headers: plainHeaders(headers),
  };
}

function parseData(record: IncomingRecord, contentType: string | undefined): Record<string, unknown> {
  if (contentType && !/^application\/(.+\+)?json\b/.test(contentType)) {
    throw new MessageDeserializationError(
      `unsupported content-type '${contentType}'; expected application/json`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(record.value?.toString('utf8') ?? 'null');
  } catch (error) {
    throw new MessageDeserializationError(`event data is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MessageDeserializationError('event data must be a JSON object');
  }
  return data as Record<string, unknown>;
}

/** Non-CloudEvents headers, plus the trace context under its W3C names. */
function plainHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(CE) && name !== 'content-type') plain[name] = value;
  }
  for (const name of TRACE_HEADERS) {
    if (headers[`${CE}${name}`]) plain[name] = headers[`${CE}${name}`]!;
  }
  return plain;
}

function withoutTraceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const rest = { ...headers };
  for (const name of TRACE_HEADERS) delete rest[name];
  return rest;
}
