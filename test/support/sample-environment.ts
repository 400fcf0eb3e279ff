import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { ServiceEnvironment } from './service-process.js';

/** Reads KAFKA_BROKERS and DATABASE_URL, as `scripts/test.sh all` exports them; fails loudly without. */
function required(variable: 'KAFKA_BROKERS' | 'DATABASE_URL'): string {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: run the end-to-end suites through 'npm test'`);
  return value;
}

/**
 * An environment of its own for one suite: schemas, consumer groups and Kafka topics no other suite
 * uses, removed again by `dispose`.
 */
export function sampleEnvironment(
  suite: string,
  extra?: NodeJS.ProcessEnv,
): ServiceEnvironment & {
  dispose(): Promise<void>;
  query<T>(sql: string, values?: unknown[]): Promise<T[]>;
} {
  const id = `${suite}_${randomBytes(4).toString('hex')}`;
  const environment: ServiceEnvironment = {
    kafkaBrokers: required('KAFKA_BROKERS'),
    databaseUrl: required('DATABASE_URL'),
    topicPrefix: `e2e.${id}.`,
    environment: `e2e-${id}`,
    schemas: { orders: `orders_${id}`, billing: `billing_${id}` },
    extra: { AUDIT_DB_SCHEMA: `audit_${id}`, ...extra },
  };
  const query = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: environment.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    ...environment,
    query,
    dispose: async () => {
      for (const schema of [...Object.values(environment.schemas), `audit_${id}`])
        await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const admin = new Kafka({
        brokers: environment.kafkaBrokers.split(','),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((topic) =>
          topic.startsWith(environment.topicPrefix),
        );
        if (topics.length > 0) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
