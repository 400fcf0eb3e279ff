import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Envelope } from '../bus/envelope.js';
import { NonRetryableError } from '../errors/messaging-errors.js';
import type { TransportRecord } from '../transports/message-transport.js';

/** A named HMAC key. */
export interface SigningKey {
  /** Travels with each signed event (`signaturekeyid` extension) so consumers pick the right key. */
  readonly id: string;
  /** At least 32 bytes of secret. */
  readonly secret: string | Buffer;
}

/** Signing of integration events, option `signing` of `MessagingModule`. */
export interface SigningOptions {
  /** Key this service signs its integration events with (HMAC-SHA256 over attributes and data). */
  readonly signWith?: SigningKey;
  /**
   * Keys this service accepts. When set, consumed events that are unsigned, signed with an unknown
   * key or wrongly signed are dead-lettered with the reason. List old and new keys together while
   * rotating.
   */
  readonly acceptKeys?: readonly SigningKey[];
}

/** A consumed event failed signature verification. */
export class SignatureVerificationError extends NonRetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureVerificationError';
  }
}

const SIGNATURE = 'signature';
const KEY_ID = 'signaturekeyid';

/** Adds the `ce_signature` and `ce_signaturekeyid` extensions to a binary-mode record of `envelope`. */
export function signRecord(record: TransportRecord, envelope: Envelope, key: SigningKey): TransportRecord {
  return {
    ...record,
    headers: { ...record.headers, [`ce_${SIGNATURE}`]: signature(envelope, key), [`ce_${KEY_ID}`]: key.id },
  };
}

/** Throws a {@link SignatureVerificationError} unless `envelope` (as decoded) carries a valid signature by one of `keys`. */
export function verifySignature(envelope: Envelope, keys: readonly SigningKey[]): void {
  const presented = envelope.headers[SIGNATURE];
  const keyId = envelope.headers[KEY_ID];
  if (!presented || !keyId)
    throw new SignatureVerificationError(`${envelope.type} ${envelope.id} is not signed`);
  const key = keys.find((candidate) => candidate.id === keyId);
  if (!key)
    throw new SignatureVerificationError(
      `${envelope.type} ${envelope.id} is signed with unknown key '${keyId}'`,
    );
  const expected = Buffer.from(signature(envelope, key), 'base64');
  const actual = Buffer.from(presented, 'base64');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new SignatureVerificationError(
      `${envelope.type} ${envelope.id} has an invalid signature for key '${keyId}'`,
    );
  }
}

function signature(envelope: Envelope, key: SigningKey): string {
  return createHmac('sha256', key.secret).update(canonical(envelope)).digest('base64');
}

/** The signed text: the attributes that identify and route the event, then its data as JSON. */
function canonical(envelope: Envelope): string {
  const attributes = [
    envelope.id,
    envelope.type,
    envelope.source,
    envelope.time,
    envelope.tenantId ?? '',
    envelope.partitionKey ?? '',
    envelope.correlationId,
    envelope.causationId ?? '',
  ];
  return `${attributes.join('\n')}\n${JSON.stringify(envelope.message)}`;
}
