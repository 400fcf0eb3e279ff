import { encodeCloudEvent, type Envelope } from '@momentum/messaging';
import { REPLAY_FOR_HEADER } from '../incoming/durable-inbox.js';
import type { StoredEnvelope } from '../incoming/stored-envelope.js';
import type { OutgoingRow } from '../outgoing/outgoing-store.js';
import type { StoredDeadLetter } from './stored-dead-letter.js';

/** How a dead letter goes back: through the outbox (to its transport) or into a durable local queue. */
export type ReplayPlan =
  | { readonly via: 'outbox'; readonly row: OutgoingRow; readonly forgetInboxOf?: string }
  | { readonly via: 'queue'; readonly queue: string; readonly envelope: StoredEnvelope };

/**
 * - A message the relay gave up on is sent again as it was stored.
 * - A consumed message goes back to its topic with its id, marked for the consumer group that
 *   dead-lettered it (other groups' inboxes discard it), whose inbox mark is removed.
 * - A message of a local queue is stored for that durable queue (run when the queue recovers).
 */
export function replayPlan(letter: StoredDeadLetter): ReplayPlan {
  if (letter.source.startsWith('outbox:') && letter.transport && letter.topic) {
    return { via: 'outbox', row: sentAgain(letter, letter.transport, letter.topic) };
  }
  if (letter.transport && letter.topic) {
    return {
      via: 'outbox',
      row: consumedAgain(letter, letter.transport, letter.topic),
      forgetInboxOf: letter.consumer,
    };
  }
  return { via: 'queue', queue: letter.source, envelope: { ...envelopeOf(letter), message: letter.body } };
}

function sentAgain(letter: StoredDeadLetter, transport: string, topic: string): OutgoingRow {
  return {
    id: letter.messageId,
    transport,
    topic,
    partitionKey: letter.partitionKey ?? null,
    headers: letter.headers,
    body: Buffer.from(typeof letter.body === 'string' ? letter.body : JSON.stringify(letter.body)),
    messageType: letter.messageType,
    tenantId: letter.tenantId,
  };
}

function consumedAgain(letter: StoredDeadLetter, transport: string, topic: string): OutgoingRow {
  const envelope = envelopeOf(letter);
  const headers = letter.consumer
    ? { ...envelope.headers, [REPLAY_FOR_HEADER]: letter.consumer }
    : envelope.headers;
  const record = encodeCloudEvent({ ...envelope, headers }, topic);
  return {
    id: letter.messageId,
    transport,
    topic,
    partitionKey: record.key,
    headers: record.headers,
    body: record.value,
    messageType: letter.messageType,
    tenantId: letter.tenantId,
  };
}

function envelopeOf(letter: StoredDeadLetter): Envelope {
  return {
    id: letter.messageId,
    type: letter.messageType,
    message: (letter.body ?? {}) as object,
    correlationId: letter.correlationId ?? letter.messageId,
    tenantId: letter.tenantId,
    partitionKey: letter.partitionKey,
    source: letter.envelope?.source ?? '/momentum/replay',
    time: letter.envelope?.time ?? letter.failedAt.toISOString(),
    headers: letter.headers,
  };
}
