import type { DataSource } from 'typeorm';
import { PreparedStatements } from '../database/prepared-statements.js';
import { DeadLetterTable } from '../dead-letters/dead-letter-table.js';
import { IncomingStore } from '../incoming/incoming-store.js';
import { NodeTable } from '../nodes/node-table.js';
import { OutgoingStore } from '../outgoing/outgoing-store.js';
import { StoreTables } from './store-tables.js';

/** The message store of one schema on one DataSource: its tables and the SQL over each. */
export class MessageStore {
  readonly tables: StoreTables;
  readonly outgoing: OutgoingStore;
  readonly incoming: IncomingStore;
  readonly deadLetters: DeadLetterTable;
  readonly nodes: NodeTable;

  constructor(
    readonly dataSource: DataSource,
    schema: string,
    /** True on PGlite: a single process and session. */
    readonly embedded: boolean,
    /** Run the hot statements as prepared statements (see `OutboxDatabaseOptions.preparedStatements`). */
    preparedStatements = true,
  ) {
    this.tables = new StoreTables(schema);
    const statements = new PreparedStatements(preparedStatements);
    this.outgoing = new OutgoingStore(this.tables, statements);
    this.incoming = new IncomingStore(this.tables, statements);
    this.deadLetters = new DeadLetterTable(this.tables);
    this.nodes = new NodeTable(this.tables);
  }
}
