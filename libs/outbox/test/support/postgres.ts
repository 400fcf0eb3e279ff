import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The per-run database `scripts/test.sh all` creates; integration suites fail without it. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run the integration suites with `bash scripts/test.sh all`');
  return url;
}

/** A schema name of its own per suite, so suites share one database in parallel. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Runs `sql` on a short-lived connection of its own. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  parameters: unknown[] = [],
  url = databaseUrl(),
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, parameters)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string, url = databaseUrl()): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url);
}
