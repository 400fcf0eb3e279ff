import type { IncomingRecord } from '../message-transport.js';

const STRUCTURED = 'application/cloudevents+json';

/**
 * The tenant of a consumed record, as the bus will see it once decoded: the CloudEvents `tenantid`
 * extension (the `ce_tenantid` header in binary mode, an attribute in structured mode), else the
 * event's `tenantId` property. `undefined` when it has none or is not JSON; such a record is then
 * dead-lettered or handled without a tenant, so it counts for no tenant here either.
 */
export function recordTenant(record: IncomingRecord): string | undefined {
  const header = record.headers['ce_tenantid'];
  if (header) return header;
  const document = parseObject(record.value);
  if (!document) return undefined;
  const structured = record.headers['content-type']?.startsWith(STRUCTURED) ?? false;
  const event = structured ? parseData(document) : document;
  return nonEmptyString(structured ? document.tenantid : undefined) ?? nonEmptyString(event?.tenantId);
}

/**
 * {@link recordTenant} that works a record's tenant out once, however often it is asked (records
 * wait in the look-ahead buffer over several rounds).
 */
export function rememberingRecordTenant(): (record: IncomingRecord) => string | undefined {
  const tenants = new WeakMap<IncomingRecord, string | undefined>();
  return (record) => {
    if (!tenants.has(record)) tenants.set(record, recordTenant(record));
    return tenants.get(record);
  };
}

function parseData(document: Record<string, unknown>): Record<string, unknown> | undefined {
  const data = document.data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
}

function parseObject(value: Buffer | null): Record<string, unknown> | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
