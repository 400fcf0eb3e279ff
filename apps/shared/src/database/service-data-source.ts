import { PGlite } from '@electric-sql/pglite';
import { createOutboxMigrations, pgliteDataSource } from '@momentum/outbox';
import { DataSource, type MigrationInterface } from 'typeorm';
import type { DatabaseConfig } from '../config/service-config.js';

/** What a service keeps in its database besides the message store. */
export interface ServiceSchema {
  /** PostgreSQL schema of the service's tables and of its message store. */
  readonly schema: string;
  readonly entities: readonly (new () => object)[];
  /** The service's own migrations; the outbox's come first. */
  readonly migrations: readonly (new () => MigrationInterface)[];
}

/** The service's open DataSource, and how to close it (and the embedded database under it). */
export interface ServiceDatabase {
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Opens the service's DataSource (PostgreSQL, or an in-memory PGlite) with its entities, creates its
 * schema and runs the outbox's and the service's migrations. The message store shares this
 * DataSource, so business writes and outgoing messages commit in one transaction.
 */
export async function openServiceDatabase(
  database: DatabaseConfig,
  spec: ServiceSchema,
): Promise<ServiceDatabase> {
  const options = {
    schema: spec.schema,
    entities: [...spec.entities],
    migrations: [...createOutboxMigrations({ schema: spec.schema }), ...spec.migrations],
    migrationsTableName: 'schema_migrations',
  };
  const pglite = database.kind === 'pglite' ? await PGlite.create() : undefined;
  const dataSource = pglite
    ? pgliteDataSource(pglite, options)
    : new DataSource({
        ...options,
        type: 'postgres',
        url: (database as { url: string }).url,
        applicationName: spec.schema,
      });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${spec.schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await pglite?.close();
    },
  };
}
