import { quoteIdentifier } from '../database/sql.js';

/** Qualified names of the store's tables in one schema, and the NOTIFY channel of its outbox. */
export class StoreTables {
  readonly schema: string;
  readonly outgoing: string;
  readonly incoming: string;
  readonly deadLetters: string;
  readonly nodes: string;
  /** Channel relays `LISTEN` on; one `NOTIFY` per transaction that wrote outbox rows. */
  readonly channel: string;
  /** Advisory-lock key of the leader of this store. */
  readonly leaderLock: string;
  /** Advisory-lock namespace of the relays' key buckets (hashed; the bucket is the second key). */
  readonly relayBucketLock: string;

  constructor(readonly schemaName: string) {
    this.schema = quoteIdentifier(schemaName);
    this.outgoing = `${this.schema}.outgoing`;
    this.incoming = `${this.schema}.incoming`;
    this.deadLetters = `${this.schema}.dead_letters`;
    this.nodes = `${this.schema}.nodes`;
    this.channel = `momentum_outbox_${schemaName}`;
    this.leaderLock = `momentum-leader:${schemaName}`;
    this.relayBucketLock = `momentum-relay-buckets:${schemaName}`;
  }
}
