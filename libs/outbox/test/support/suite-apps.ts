import { afterAll, afterEach } from '@jest/globals';
import { startOutboxApp, type OutboxTestApp, type OutboxTestAppOptions } from './outbox-app.js';
import { dropSchema, uniqueSchema } from './postgres.js';

/** Apps and schemas of one suite on the real PostgreSQL server. */
export interface SuiteApps {
  /** A fresh schema name, dropped after the suite. */
  schema(prefix: string): string;
  /** Starts an app, closed after the test that started it. */
  start(options: OutboxTestAppOptions): Promise<OutboxTestApp>;
}

/** Registers the hooks that close each test's apps and drop the suite's schemas; call inside `describe`. */
export function suiteApps(): SuiteApps {
  const apps: OutboxTestApp[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  }, 30_000);
  afterAll(async () => {
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  }, 30_000);
  return {
    schema: (prefix) => {
      const schema = uniqueSchema(prefix);
      schemas.push(schema);
      return schema;
    },
    start: async (options) => {
      const app = await startOutboxApp(options);
      apps.push(app);
      return app;
    },
  };
}
