// The store conformance suite on the real PostgreSQL server (DATABASE_URL), each run in schemas of its own.
import { DataSource } from 'typeorm';
import { describeStoreConformance } from './conformance/store-conformance.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';

describeStoreConformance('PostgreSQL', async () => {
  const url = databaseUrl();
  const dataSource = new DataSource({ type: 'postgres', url });
  await dataSource.initialize();
  const schemas: string[] = [];
  const schema = (prefix: string): string => {
    const name = uniqueSchema(prefix);
    schemas.push(name);
    return name;
  };
  return {
    dataSource,
    embedded: false,
    schema,
    moduleOptions: (name) => ({ url, schema: name, autoCreate: true, nodes: { mode: 'solo' } }),
    dataSourceWith: async (migrations) => {
      const migrating = new DataSource({
        type: 'postgres',
        url,
        migrations,
        migrationsTableName: `migrations_${uniqueSchema('t')}`,
      });
      await migrating.initialize();
      return {
        dataSource: migrating,
        close: async () => {
          await migrating.query(`DROP TABLE IF EXISTS "${migrating.options.migrationsTableName}"`);
          await migrating.destroy();
        },
      };
    },
    close: async () => {
      await dataSource.destroy();
      for (const name of schemas) await dropSchema(name, url);
    },
  };
});
