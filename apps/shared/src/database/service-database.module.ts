import { type DynamicModule, Module } from '@nestjs/common';
import type { DatabaseConfig } from '../config/service-config.js';
import { openServiceDatabase, type ServiceDatabase, type ServiceSchema } from './service-data-source.js';

/** Injection token of the service's DataSource (also the message store's). */
export const SERVICE_DATA_SOURCE = Symbol.for('momentum-sample:data-source');

/** Injection token of the service's {@link ServiceDatabase} (closed by `closeService`). */
export const SERVICE_DATABASE = Symbol.for('momentum-sample:database');

/**
 * Opens the service's DataSource. It is closed by `closeService` after Nest's shutdown, not in a
 * lifecycle hook: the outbox is a global module, whose hooks Nest runs last, and it needs the
 * database until its own shutdown is done (final relay pass, unregistering the node).
 */
@Module({})
export class ServiceDatabaseModule {
  static forService(database: DatabaseConfig, schema: ServiceSchema): DynamicModule {
    return {
      module: ServiceDatabaseModule,
      providers: [
        { provide: SERVICE_DATABASE, useFactory: () => openServiceDatabase(database, schema) },
        {
          provide: SERVICE_DATA_SOURCE,
          inject: [SERVICE_DATABASE],
          useFactory: (db: ServiceDatabase) => db.dataSource,
        },
      ],
      exports: [SERVICE_DATA_SOURCE, SERVICE_DATABASE],
    };
  }
}
