// The store conformance suite on PGlite, the embedded default.
import { PGlite } from '@electric-sql/pglite';
import { pgliteDataSource } from '@momentum/outbox';
import { describeStoreConformance } from './conformance/store-conformance.js';

describeStoreConformance('PGlite', async () => {
  const pglite = await PGlite.create();
  const dataSource = pgliteDataSource(pglite);
  await dataSource.initialize();
  let schemas = 0;
  return {
    dataSource,
    embedded: true,
    schema: (prefix) => `${prefix}_${++schemas}`,
    moduleOptions: (schema) => ({ pglite: {}, schema }),
    dataSourceWith: async (migrations) => {
      const separate = await PGlite.create();
      const migrating = pgliteDataSource(separate, { migrations });
      await migrating.initialize();
      return {
        dataSource: migrating,
        close: async () => {
          await migrating.destroy();
          await separate.close();
        },
      };
    },
    close: async () => {
      await dataSource.destroy();
      await pglite.close();
    },
  };
});
