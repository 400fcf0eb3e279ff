import type { Envelope } from '../bus/envelope.js';
import type { TransportRecord } from './message-transport.js';

/**
 * Where records bound for a transport go instead of the broker while a database transaction is
 * open: the outbox module implements it, storing the record in that transaction so it is sent if
 * and only if the transaction commits. Outside a transaction it declines and the bus publishes
 * directly.
 */
export interface OutgoingMessageSink {
  /**
   * Stores the record in the caller's open transaction. Resolves `false` when there is none, else
   * an {@link OutgoingEnlistment} telling whether the record committed. A sink that cannot tell
   * resolves `true`, and the bus then counts the record as sent as soon as it is stored.
   */
  tryEnlist(
    transport: string,
    record: TransportRecord,
    envelope: Envelope,
  ): Promise<boolean | OutgoingEnlistment>;
  /**
   * Sends what committed transactions stored and stops sending. The bus calls it at shutdown once
   * consumers stopped and local queues drained, before it closes its transports.
   */
  drain?(): Promise<void>;
}

/** A record an {@link OutgoingMessageSink} holds in an open transaction. */
export interface OutgoingEnlistment {
  /**
   * Resolves `true` once the transaction holding the record committed (the record will be sent),
   * `false` once the record was dropped by a rollback of that transaction or of the savepoint it
   * was stored in.
   */
  readonly committed: Promise<boolean>;
}
