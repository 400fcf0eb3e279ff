import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseTarget } from '../config/resolved-options.js';

/** The DataSource the store uses, and how to let go of it at shutdown. */
export interface StoreDatabase {
  readonly dataSource: DataSource;
  /** True for PGlite: one process, one connection, no need for LISTEN or leader election. */
  readonly embedded: boolean;
  /** Destroys what the module created; leaves a DataSource it was given alone. */
  close(): Promise<void>;
}

/** Opens the store's database: the given DataSource, one built from a URL, or PGlite. */
export async function openStoreDatabase(target: DatabaseTarget): Promise<StoreDatabase> {
  switch (target.kind) {
    case 'data-source':
      if (!target.dataSource.isInitialized) await target.dataSource.initialize();
      return {
        dataSource: target.dataSource,
        embedded: isEmbedded(target.dataSource),
        close: async () => {},
      };
    case 'url': {
      const dataSource = new DataSource({
        type: 'postgres',
        url: target.url,
        poolSize: target.poolSize,
        connectTimeoutMS: target.connectTimeoutMs,
        applicationName: 'momentum-outbox',
      });
      await dataSource.initialize();
      return { dataSource, embedded: false, close: () => dataSource.destroy() };
    }
    case 'pglite':
      return openPglite(target.dataDir);
  }
}

/**
 * PGlite through its own node-postgres adapter (`@electric-sql/pglite/node-postgres`), so TypeORM's
 * stock postgres driver runs on it unchanged. PGlite is a single session: the pool holds exactly one
 * connection, which keeps each transaction to itself (statements of other callers wait for it).
 */
export async function openPglite(dataDir?: string): Promise<StoreDatabase> {
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const dataSource = pgliteDataSource(pglite);
  await dataSource.initialize();
  return {
    dataSource,
    embedded: true,
    close: async () => {
      await dataSource.destroy();
      await pglite.close();
    },
  };
}

/** Options of {@link pgliteDataSource}: what a TypeORM postgres DataSource takes besides the connection. */
export type PgliteDataSourceOptions = Omit<
  Extract<DataSourceOptions, { type: 'postgres' }>,
  'type' | 'poolSize' | 'extra'
>;

/**
 * An uninitialized TypeORM DataSource over `pglite` (one pooled connection, never closed while
 * idle), for your own entities and migrations on the embedded database.
 */
export function pgliteDataSource(pglite: PGlite, options: PgliteDataSourceOptions = {}): DataSource {
  const config = createPgConfig(pglite);
  return new DataSource({
    ...options,
    type: 'postgres',
    poolSize: 1,
    extra: { ...config, connection: config.connection, idleTimeoutMillis: 0 },
  });
}

/** Whether `dataSource` runs on PGlite's node-postgres adapter. */
export function isEmbedded(dataSource: DataSource): boolean {
  const extra = (dataSource.options as { extra?: { connection?: unknown } }).extra;
  return extra?.connection !== undefined;
}
