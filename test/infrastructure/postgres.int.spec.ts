// Smoke test for the real PostgreSQL that `npm test` provides: scripts/test.sh creates a fresh database
// per run and exports DATABASE_URL pointing at it. Never skipped: no database is a failure.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

const DATABASE_URL = process.env.DATABASE_URL;

/** The URL without its password, for messages. */
function safeUrl(url: string): string {
  return url.replace(/(:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

describe('PostgreSQL (infrastructure smoke test)', () => {
  let client: pg.Client;

  beforeAll(async () => {
    if (!DATABASE_URL) {
      throw new Error(
        "DATABASE_URL is not set. Run the suites with 'npm test' (scripts/test.sh all creates a fresh database " +
          'and exports DATABASE_URL), or point DATABASE_URL at an empty database.',
      );
    }
    client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `PostgreSQL not reachable at ${safeUrl(DATABASE_URL)}: ${(err as Error).message}. ` +
          "Run the suites with 'npm test' (it runs scripts/postgres.sh ensure).",
        { cause: err },
      );
    }
  }, 30_000);

  afterAll(async () => {
    await client?.end();
  });

  it('connects to the per-run database that npm test created', async () => {
    const { rows } = await client.query<{ name: string; version: number }>(
      "select current_database() as name, current_setting('server_version_num')::int as version",
    );
    expect(rows[0]?.name).toBe(new URL(DATABASE_URL!).pathname.slice(1));
    expect(rows[0]?.version).toBeGreaterThanOrEqual(130_000);
  });

  it('discards a row when its transaction rolls back', async () => {
    // A temporary table lives only in this session, so the database stays empty for other suites.
    await client.query('create temporary table smoke_rollback (id int primary key, note text not null)');

    await client.query('begin');
    await client.query('insert into smoke_rollback (id, note) values ($1, $2)', [1, 'rolled back']);
    const inside = await client.query('select count(*)::int as n from smoke_rollback');
    expect(inside.rows[0].n).toBe(1);
    await client.query('rollback');

    const after = await client.query('select count(*)::int as n from smoke_rollback');
    expect(after.rows[0].n).toBe(0);

    await client.query('begin');
    await client.query('insert into smoke_rollback (id, note) values ($1, $2)', [2, 'committed']);
    await client.query('commit');
    const committed = await client.query<{ id: number }>('select id from smoke_rollback order by id');
    expect(committed.rows.map((r) => r.id)).toEqual([2]);

    await client.query('drop table smoke_rollback');
  });
});
