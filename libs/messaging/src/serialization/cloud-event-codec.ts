import type { Envelope } from '../bus/envelope.js';
import { MessageDeserializationError } from '../errors/messaging-errors.js';
import type { IncomingRecord, TransportRecord } from '../transports/message-transport.js';

/** Prefix of CloudEvents attributes in Kafka headers (binary mode). */
const CE = 'ce_';
const STRUCTURED = 'application/cloudevents+json';
const REQUIRED = ['specversion', 'id', 'type', 'source'] as const;
/** Envelope fields carried as CloudEvents extensions (lowercase alphanumeric names, as the spec requires). */
const EXTENSIONS = ['tenantid', 'partitionkey', 'correlationid', 'causationid'] as const;
/** Attributes the envelope maps itself; any other attribute is an extension kept in the headers. */
const MAPPED = new Set<string>([...REQUIRED, 'time', 'datacontenttype', 'data', ...EXTENSIONS]);
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;
const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\b/;
/**
 * The attribute of each `ce_*` header the bus writes. Looked up rather than sliced off the header
 * name: a fresh string as property name costs a string-table lookup on every record.
 */
const ATTRIBUTE_OF_HEADER = new Map(
  [...MAPPED, ...TRACE_HEADERS].map((attribute) => [`${CE}${attribute}`, attribute]),
);

/** An envelope read off the wire, before its JSON body becomes a message instance. */
export type DecodedEnvelope = Envelope<Record<string, unknown>>;

/**
 * A CloudEvent taken apart: its attributes, its JSON data, the record's other headers, and the
 * attributes the envelope does not map (by attribute name). Every part is a fresh object.
 */
interface CloudEventParts {
  readonly attributes: Readonly<Record<string, string>>;
  readonly data: unknown;
  readonly otherHeaders: Record<string, string>;
  readonly extensions: Readonly<Record<string, string>>;
}

/**
 * Encodes an envelope as a CloudEvents 1.0 Kafka-binding record in binary mode: the event JSON as
 * the value, attributes as `ce_*` headers, the partition key (else the message id) as the key.
 */
export function encodeCloudEvent(envelope: Envelope, topic: string): TransportRecord {
  // Built key by key with literal names: this runs on every publish, and spreading, deleting and
  // composing property names would cost more than the rest of the encoding.
  const headers: Record<string, string> = {};
  for (const name in envelope.headers)
    if (name !== 'traceparent' && name !== 'tracestate') headers[name] = envelope.headers[name]!;
  headers.ce_specversion = '1.0';
  headers.ce_id = envelope.id;
  headers.ce_type = envelope.type;
  headers.ce_source = envelope.source;
  headers.ce_time = envelope.time;
  if (envelope.tenantId) headers.ce_tenantid = envelope.tenantId;
  if (envelope.partitionKey) headers.ce_partitionkey = envelope.partitionKey;
  if (envelope.correlationId) headers.ce_correlationid = envelope.correlationId;
  if (envelope.causationId) headers.ce_causationid = envelope.causationId;
  if (envelope.headers.traceparent) headers.ce_traceparent = envelope.headers.traceparent;
  if (envelope.headers.tracestate) headers.ce_tracestate = envelope.headers.tracestate;
  headers['content-type'] = 'application/json';
  return {
    topic,
    key: envelope.partitionKey ?? envelope.id,
    value: Buffer.from(JSON.stringify(envelope.message)),
    headers,
  };
}

/**
 * The same event in structured mode: one `application/cloudevents+json` document holding the
 * attributes and the data. Other headers and the key stay as they are.
 */
export function toStructuredRecord(record: TransportRecord): TransportRecord {
  const parts = binaryParts({ ...record, partition: -1, offset: '-1' });
  const document = { ...parts.attributes, datacontenttype: 'application/json', data: parts.data };
  return {
    topic: record.topic,
    key: record.key,
    value: Buffer.from(JSON.stringify(document)),
    headers: { ...parts.otherHeaders, 'content-type': STRUCTURED },
  };
}

/**
 * Decodes a CloudEvents record in binary or structured mode. Throws a
 * {@link MessageDeserializationError} naming what is wrong when the record is not a CloudEvent or
 * its data is not a JSON object.
 */
export function decodeCloudEvent(record: IncomingRecord): DecodedEnvelope {
  const structured = record.headers['content-type']?.startsWith(STRUCTURED) ?? false;
  const parts = structured ? structuredParts(record) : binaryParts(record);
  const { attributes } = parts;
  for (const attribute of REQUIRED)
    if (!attributes[attribute]) throw notACloudEvent(record, attributes, structured);
  if (attributes.specversion !== '1.0') {
    throw new MessageDeserializationError(`unsupported CloudEvents specversion '${attributes.specversion}'`);
  }
  if (typeof parts.data !== 'object' || parts.data === null || Array.isArray(parts.data)) {
    throw new MessageDeserializationError('event data must be a JSON object');
  }
  const id = attributes.id!;
  return {
    id,
    type: attributes.type!,
    source: attributes.source!,
    time: attributes.time ?? new Date().toISOString(),
    message: parts.data as Record<string, unknown>,
    correlationId: attributes.correlationid ?? id,
    causationId: attributes.causationid,
    tenantId: attributes.tenantid,
    partitionKey: attributes.partitionkey,
    topic: record.topic,
    // Extensions win over plain headers of the same name, in the headers' order.
    headers: Object.assign(parts.otherHeaders, parts.extensions),
  };
}

function notACloudEvent(
  record: IncomingRecord,
  attributes: Readonly<Record<string, string>>,
  structured: boolean,
): MessageDeserializationError {
  const missing = REQUIRED.filter((attribute) => !attributes[attribute]);
  const names = missing.map((m) => (structured ? m : CE + m)).join(', ');
  return new MessageDeserializationError(
    `record ${record.topic}[${record.partition}]@${record.offset} is not a CloudEvent: missing ${names}`,
  );
}

function binaryParts(record: IncomingRecord): CloudEventParts {
  const { headers } = record;
  const attributes: Record<string, string> = {};
  const otherHeaders: Record<string, string> = {};
  const extensions: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    if (name.startsWith(CE)) {
      const attribute = ATTRIBUTE_OF_HEADER.get(name) ?? name.slice(CE.length);
      attributes[attribute] = value;
      if (!MAPPED.has(attribute)) extensions[attribute] = value;
    } else if (name !== 'content-type') otherHeaders[name] = value;
  }
  const contentType = headers['content-type'];
  if (contentType && !JSON_CONTENT_TYPE.test(contentType)) {
    throw new MessageDeserializationError(
      `unsupported content-type '${contentType}'; expected application/json`,
    );
  }
  return { attributes, data: parseJson(record.value, 'event data'), otherHeaders, extensions };
}

function structuredParts(record: IncomingRecord): CloudEventParts {
  const document = parseJson(record.value, 'structured CloudEvent');
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new MessageDeserializationError('a structured CloudEvent must be a JSON object');
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(document)) {
    if (name !== 'data' && typeof value === 'string') attributes[name] = value;
  }
  const otherHeaders = Object.fromEntries(
    Object.entries(record.headers).filter(([name]) => name !== 'content-type'),
  );
  return {
    attributes,
    data: (document as { data?: unknown }).data ?? null,
    otherHeaders,
    extensions: extensionsOf(attributes),
  };
}

function parseJson(value: Buffer | null, what: string): unknown {
  try {
    return JSON.parse(value?.toString('utf8') ?? 'null');
  } catch (error) {
    throw new MessageDeserializationError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Extension attributes the envelope does not map (trace context, signature, user extensions), by attribute name. */
function extensionsOf(attributes: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !MAPPED.has(name)));
}
