import type { INestApplicationContext } from '@nestjs/common';
import type { ServiceDatabase } from '../database/service-data-source.js';
import { SERVICE_DATABASE } from '../database/service-database.module.js';

/**
 * Closes a service: Nest's shutdown first (the bus stops consuming and drains, the outbox relays
 * what committed, unregisters its node and stops), then the service's database.
 */
export async function closeService(app: INestApplicationContext): Promise<void> {
  const database = app.get<ServiceDatabase>(SERVICE_DATABASE, { strict: false });
  await app.close();
  await database.close();
}
