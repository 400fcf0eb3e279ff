import type { Envelope } from '../bus/envelope.js';
import type { TransportRecord } from './message-transport.js';

/**
 * Where records bound for a transport go instead of the broker while a database transaction is
 * open: the outbox module implements it, storing the record in that transaction so it is sent if
 * and only if the transaction commits. Outside a transaction it declines and the bus publishes
 * directly.
 */
export interface OutgoingMessageSink {
  /** Stores the record in the caller's open transaction; resolves `false` when there is none. */
  tryEnlist(transport: string, record: TransportRecord, envelope: Envelope): Promise<boolean>;
  /**
   * Sends what committed transactions stored and stops sending. The bus calls it at shutdown once
   * consumers stopped and local queues drained, before it closes its transports.
   */
  drain?(): Promise<void>;
}
