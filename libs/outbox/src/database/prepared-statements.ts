import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { StatementConfig } from './pipelined-commit.js';
import { queryRows } from './sql.js';

/** The node-postgres client under a TypeORM query runner: it names, prepares and caches statements. */
interface NamingClient {
  query(config: StatementConfig): Promise<{ rows: unknown[] }>;
}

/**
 * Runs the store's hot statements (outbox inserts, inbox marks and claims) as named node-postgres
 * statements when the manager is in a transaction on its own connection: PostgreSQL parses and
 * plans each text once per connection instead of at every call, which is a measurable share of a
 * short business transaction. Without that connection (or with `prepared` off, for poolers that
 * cannot keep a statement between transactions) they run as ordinary unnamed statements.
 */
export class PreparedStatements {
  private readonly names = new Map<string, string>();

  constructor(private readonly prepared: boolean) {}

  /** Runs `text` with `parameters` in `manager`'s transaction and returns its rows. */
  async rows<T>(manager: EntityManager, text: string, parameters: readonly unknown[]): Promise<T[]> {
    const client = this.prepared ? namingClientOf(manager) : undefined;
    if (!client) return queryRows<T>(manager, text, parameters);
    const result = await client.query(this.statement(text, parameters));
    return result.rows as T[];
  }

  /** `text` with `parameters` as node-postgres runs it: named when statements are prepared. */
  statement(text: string, parameters: readonly unknown[]): StatementConfig {
    const values = [...parameters];
    return this.prepared ? { name: this.nameOf(text), text, values } : { text, values };
  }

  /** A stable name per text: node-postgres refuses one name for two texts on a connection. */
  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `momentum_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.names.set(text, name);
    }
    return name;
  }
}

function namingClientOf(manager: EntityManager): NamingClient | undefined {
  const runner = manager.queryRunner as
    { isTransactionActive?: boolean; isReleased?: boolean; databaseConnection?: unknown } | undefined;
  if (!runner?.isTransactionActive || runner.isReleased) return undefined;
  const client = runner.databaseConnection as Partial<NamingClient> | undefined;
  return typeof client?.query === 'function' ? (client as NamingClient) : undefined;
}
