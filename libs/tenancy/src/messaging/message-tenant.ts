import { TenantMismatchError, type Envelope } from '@momentum/messaging';

/**
 * The tenant a message is for: its CloudEvents tenant extension, else the message's own `tenantId`
 * property (events from producers that only set the property). When both are present they must
 * agree; otherwise a `TenantMismatchError` names both.
 */
export function tenantOfEnvelope(envelope: Envelope): string | undefined {
  const own = (envelope.message as { tenantId?: unknown }).tenantId;
  const property = typeof own === 'string' && own ? own : undefined;
  if (property && envelope.tenantId && property !== envelope.tenantId)
    throw new TenantMismatchError(envelope.type, property, envelope.tenantId);
  return envelope.tenantId ?? property;
}
