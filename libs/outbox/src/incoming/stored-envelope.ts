import type { Envelope } from '@momentum/messaging';
import type { MessageClasses } from './message-classes.js';

/** An envelope as the store keeps it (JSON), its message as plain data. */
export type StoredEnvelope = Omit<Envelope, 'message'> & { readonly message: unknown };

/** `envelope` as JSON-ready data. */
export function storeEnvelope(envelope: Envelope): StoredEnvelope {
  return JSON.parse(JSON.stringify(envelope)) as StoredEnvelope;
}

/** A stored envelope with its message rebuilt as an instance of its class, when that class is known. */
export function restoreEnvelope(stored: StoredEnvelope, classes: MessageClasses): Envelope {
  return { ...stored, message: classes.instantiate(stored.type, stored.message) };
}
