import { QueryFailedError, type QueryRunner } from 'typeorm';

/** A statement as node-postgres takes it: named (prepared once per connection) or unnamed. */
export interface StatementConfig {
  readonly name?: string;
  readonly text: string;
  readonly values: unknown[];
}

/** The node-postgres client under a query runner, from a version that can pipeline. */
export interface PipeliningClient {
  pipeline: boolean;
  query(config: StatementConfig | string): Promise<{ command: string }>;
}

/**
 * The node-postgres client of `queryRunner`'s open transaction when it can pipeline (versions with
 * the `pipeline` client option, and PGlite's node-postgres adapter); `undefined` for other drivers
 * and older versions.
 */
export function pipeliningClientOf(queryRunner: QueryRunner): PipeliningClient | undefined {
  if (!queryRunner.isTransactionActive || queryRunner.isReleased) return undefined;
  const client = (queryRunner as { databaseConnection?: Partial<PipeliningClient> }).databaseConnection;
  return typeof client?.pipeline === 'boolean' && typeof client.query === 'function'
    ? (client as PipeliningClient)
    : undefined;
}

/**
 * Sends `statements` and `COMMIT` without waiting between them, so the transaction's last writes
 * cost no round trip of their own. The server runs them in order: when a statement fails, the
 * transaction is aborted and the `COMMIT` behind it rolls it back, and this rejects with that
 * statement's error. The client is switched to pipelining only while they are in flight (the
 * transaction's connection is ours until then), so the rest of the application's queries keep
 * node-postgres's default mode.
 */
export async function commitPipelined(
  client: PipeliningClient,
  statements: readonly StatementConfig[],
): Promise<void> {
  const pipelining = client.pipeline;
  client.pipeline = true;
  let settled: PromiseSettledResult<{ command: string }>[];
  try {
    settled = await Promise.allSettled([
      ...statements.map((statement) => client.query(statement)),
      client.query('COMMIT'),
    ]);
  } finally {
    client.pipeline = pipelining;
  }
  settled.forEach((result, index) => {
    if (result.status === 'rejected') throw queryFailed(statements[index], result.reason);
  });
  const commit = settled.at(-1) as PromiseFulfilledResult<{ command: string }>;
  if (commit.value.command !== 'COMMIT')
    throw new Error(`The transaction was not committed: COMMIT answered ${commit.value.command}`);
}

/** `error` as TypeORM reports a failed statement, so callers see what `commitTransaction` would throw. */
function queryFailed(statement: StatementConfig | undefined, error: unknown): unknown {
  if (!(error instanceof Error) || !('code' in error)) return error;
  return new QueryFailedError(statement?.text ?? 'COMMIT', statement?.values, error);
}
