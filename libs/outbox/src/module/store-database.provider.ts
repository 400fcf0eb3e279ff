import type { Provider } from '@nestjs/common';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { openStoreDatabase, type StoreDatabase } from '../database/owned-data-source.js';
import { ensureStoreSchema } from '../schema/ensure-store-schema.js';
import { MessageStore } from '../schema/message-store.js';
import { RESOLVED_OUTBOX_OPTIONS } from './outbox-tokens.js';

/** Injection token of the opened {@link StoreDatabase}. */
export const STORE_DATABASE = Symbol.for('momentum:outbox-store-database');

/** Opens the database (creating the store when `autoCreate` is on) and builds the {@link MessageStore} on it. */
export const storeProviders: Provider[] = [
  {
    provide: STORE_DATABASE,
    inject: [RESOLVED_OUTBOX_OPTIONS],
    useFactory: async (options: ResolvedOutboxOptions): Promise<StoreDatabase> => {
      const database = await openStoreDatabase(options.database);
      if (options.autoCreate) {
        await ensureStoreSchema(
          database.dataSource,
          new MessageStore(database.dataSource, options.schema, database.embedded).tables,
        );
      }
      return database;
    },
  },
  {
    provide: MessageStore,
    inject: [STORE_DATABASE, RESOLVED_OUTBOX_OPTIONS],
    useFactory: (database: StoreDatabase, options: ResolvedOutboxOptions) =>
      new MessageStore(database.dataSource, options.schema, database.embedded, options.preparedStatements),
  },
];
