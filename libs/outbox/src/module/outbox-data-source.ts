import type { Provider } from '@nestjs/common';
import { MessageStore } from '../schema/message-store.js';

/**
 * Injection token of the store's TypeORM DataSource, e.g. for `@nestjs-cls/transactional`'s
 * `TransactionalAdapterTypeOrm({ dataSourceToken: OUTBOX_DATA_SOURCE })`, so `@Transactional()`
 * methods run on the same database and their published messages enlist in the outbox.
 */
export const OUTBOX_DATA_SOURCE = Symbol.for('momentum:outbox-data-source');

/** Provides {@link OUTBOX_DATA_SOURCE}. */
export const outboxDataSourceProvider: Provider = {
  provide: OUTBOX_DATA_SOURCE,
  inject: [MessageStore],
  useFactory: (store: MessageStore) => store.dataSource,
};
