import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseConfig } from '../config/service-config.js';
import { openServiceDatabase, type ServiceDatabase, type ServiceSchema } from './service-data-source.js';

/** Injection token of the service's DataSource (also the message store's). */
export const SERVICE_DATA_SOURCE = Symbol.for('momentum-sample:data-source');

const SERVICE_DATABASE = Symbol.for('momentum-sample:database');

/**
 * Opens the service's DataSource and closes it at shutdown. The outbox imports this module, so Nest
 * shuts the outbox down first (hooks run in reverse initialisation order) and the database last.
 */
@Module({})
export class ServiceDatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_DATABASE) private readonly database: ServiceDatabase) {}

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
      exports: [SERVICE_DATA_SOURCE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
