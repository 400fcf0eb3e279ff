import type { DataSource } from 'typeorm';
import { storeDdl } from './store-ddl.js';
import type { StoreTables } from './store-tables.js';

/**
 * Creates the store's schema and tables when missing (the `autoCreate` option), in one transaction
 * under an advisory lock so nodes starting together do not race each other.
 */
export async function ensureStoreSchema(dataSource: DataSource, tables: StoreTables): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `momentum-schema:${tables.schemaName}`,
    ]);
    for (const statement of storeDdl(tables)) await manager.query(statement);
  });
}
