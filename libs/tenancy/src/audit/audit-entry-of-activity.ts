import { TopicAccessDeniedError, type ActivityRecord } from '@momentum/messaging';
import type { AuditEntry, AuditKind, AuditResult } from './audit-entry.js';

/**
 * The audit entry for a bus activity record, or `undefined` for steps that are not audited.
 * Publishes are `sent` and `scheduled` records. Handling outcomes are only the final records of a
 * handler run: `succeeded`, `dead-lettered`, `no-handler`, and a `failed` attempt whose outcome is
 * final (`discarded` by policy, or `thrown` to an `invoke` caller), so a message retried three
 * times yields one outcome; `received`, `executed` and retried attempts are not audited.
 */
export function auditEntryOf(record: ActivityRecord): AuditEntry | undefined {
  switch (record.kind) {
    case 'sent':
      return entry(record, 'publish', 'sent');
    case 'scheduled':
      return { ...entry(record, 'publish', 'scheduled'), topic: record.envelope.topic };
    case 'succeeded':
    case 'no-handler':
      return entry(record, 'handling', record.kind);
    case 'failed':
      return finalFailure(record);
    case 'dead-lettered': {
      // a handler that failed because its own publish was denied is a dead letter, not a denied consume
      const denied = record.error instanceof TopicAccessDeniedError && record.error.operation === 'consume';
      return {
        ...entry(record, 'handling', denied ? 'denied' : 'dead-lettered'),
        reason: record.error?.message,
      };
    }
    default:
      return undefined;
  }
}

/** A failed attempt is an outcome only when nothing follows it: discarded by policy, or thrown to an `invoke` caller. */
function finalFailure(record: ActivityRecord): AuditEntry | undefined {
  if (record.outcome === 'discarded')
    return { ...entry(record, 'handling', 'discarded'), reason: record.error?.message };
  if (record.outcome === 'thrown')
    return { ...entry(record, 'handling', 'failed'), reason: record.error?.message };
  return undefined;
}

function entry(record: ActivityRecord, kind: AuditKind, result: AuditResult): AuditEntry {
  const { envelope } = record;
  return {
    kind,
    result,
    tenantId: envelope.tenantId,
    messageId: envelope.id,
    messageType: envelope.type,
    topic: record.topic ?? envelope.topic,
    destination: record.destination,
    handler: record.handler,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    at: record.at,
  };
}
