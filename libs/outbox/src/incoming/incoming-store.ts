import type { EntityManager } from 'typeorm';
import type { PreparedStatements } from '../database/prepared-statements.js';
import { queryRows } from '../database/sql.js';
import type { StoreTables } from '../schema/store-tables.js';
import { repeatedValues } from './repeated-values.js';
import type { StoredEnvelope } from './stored-envelope.js';

/** Consumer name of the rows of durable local queue `queue`. */
export function queueConsumer(queue: string): string {
  return `queue:${queue}`;
}

/** Consumer name of scheduled rows. */
export const SCHEDULED_CONSUMER = 'scheduled';

/** A consumed message the batched inbox claims for `consumer`. */
export interface InboxClaim {
  readonly id: string;
  readonly consumer: string;
  readonly messageType: string;
  readonly tenantId?: string;
}

/**
 * What claiming a consumed message found: `claimed` (run it), `handled` (a duplicate), or `busy`
 * (another live node is handling it right now, or it appeared while the claim ran).
 */
export type ClaimOutcome = 'claimed' | 'handled' | 'busy';

/**
 * A CTE (joined into a statement) that commits that statement without waiting for its WAL flush
 * (`synchronous_commit` off for its own transaction only). For bookkeeping whose loss in a database
 * crash can only make a message run again, never lose one: the batched inbox's claims and marks.
 */
const ASYNC_COMMIT = `async_commit AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

/** The (id, consumer) pairs of claims, from the parameters {@link claimKeys} gives ($1 to $3). */
const CLAIM_KEYS = `(SELECT k.id, ($3::text[])[k.c] AS consumer FROM unnest($1::text[], $2::int[]) AS k(id, c))`;

/** Parameters $1 to $3 of {@link CLAIM_KEYS}: ids, consumer positions, distinct consumers. */
function claimKeys(claims: readonly Pick<InboxClaim, 'id' | 'consumer'>[]): unknown[] {
  const consumers = repeatedValues(claims.map((claim) => claim.consumer));
  return [claims.map((claim) => claim.id), consumers.positions, consumers.distinct];
}

/** SQL over the `incoming` table: inbox marks, durable-queue rows and scheduled messages. */
export class IncomingStore {
  constructor(
    private readonly t: StoreTables,
    private readonly statements: PreparedStatements,
  ) {}

  /**
   * Records that `consumer` handled message `id`, kept for `keepMs`; resolves false when a row for
   * the pair exists already (a duplicate). A concurrent insert of the same pair waits for the other
   * transaction and then sees the duplicate, so concurrent deliveries are told apart too.
   */
  async markHandled(
    manager: EntityManager,
    row: { id: string; consumer: string; messageType: string; tenantId?: string; keepMs: number },
  ): Promise<boolean> {
    const inserted = await this.statements.rows(
      manager,
      `INSERT INTO ${this.t.incoming} (id, consumer, status, message_type, tenant_id, keep_until)
       VALUES ($1, $2, 'handled', $3, $4, now() + $5::int * interval '1 millisecond')
       ON CONFLICT (id, consumer) DO NOTHING RETURNING 1`,
      [row.id, row.consumer, row.messageType, row.tenantId ?? null, row.keepMs],
    );
    return inserted.length === 1;
  }

  /**
   * Claims consumed messages for node `ownerId` with one statement: a message never seen becomes an
   * `incoming` row owned by the node; an `incoming` row owned by nobody, by this node or by a node
   * no longer registered is taken over. Rows are locked in key order, so overlapping claims of
   * several nodes cannot deadlock. Committed asynchronously (see {@link ASYNC_COMMIT}): a claim lost
   * in a database crash lets a concurrent duplicate run too. Resolves with each claim's outcome, in order.
   */
  async claimForInbox(
    manager: EntityManager,
    claims: readonly InboxClaim[],
    ownerId: number,
  ): Promise<ClaimOutcome[]> {
    if (claims.length === 0) return [];
    const consumers = repeatedValues(claims.map((claim) => claim.consumer));
    const types = repeatedValues(claims.map((claim) => claim.messageType));
    const tenants = repeatedValues(claims.map((claim) => claim.tenantId ?? null));
    // Only the claims not made come back (by their position): normally none.
    const refused = await queryRows<{ position: string; status: string | null }>(
      manager,
      `WITH ${ASYNC_COMMIT}, input AS (
         SELECT x.id, ($5::text[])[x.c] AS consumer, ($6::text[])[x.m] AS message_type,
                ($7::text[])[x.t] AS tenant_id, x.position
         FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS x(id, c, m, t, position)
       ), claimed AS (
         INSERT INTO ${this.t.incoming} AS i (id, consumer, status, owner_id, message_type, tenant_id)
         SELECT id, consumer, 'incoming', $8, message_type, tenant_id FROM input, async_commit ORDER BY id, consumer
         ON CONFLICT (id, consumer) DO UPDATE SET owner_id = EXCLUDED.owner_id, received_at = now()
         WHERE i.status = 'incoming'
           AND (i.owner_id IN (0, EXCLUDED.owner_id)
                OR NOT EXISTS (SELECT 1 FROM ${this.t.nodes} n WHERE n.id = i.owner_id))
         RETURNING i.id, i.consumer
       )
       SELECT x.position,
         (SELECT e.status FROM ${this.t.incoming} e WHERE e.id = x.id AND e.consumer = x.consumer) AS status
       FROM input x
       WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.id = x.id AND c.consumer = x.consumer)`,
      [
        claims.map((claim) => claim.id),
        consumers.positions,
        types.positions,
        tenants.positions,
        consumers.distinct,
        types.distinct,
        tenants.distinct,
        ownerId,
      ],
    );
    const outcomes: ClaimOutcome[] = claims.map(() => 'claimed');
    for (const { position, status } of refused)
      outcomes[Number(position) - 1] = status === 'handled' ? 'handled' : 'busy';
    return outcomes;
  }

  /**
   * Marks claims of node `ownerId` handled, kept for `keepMs` to recognise redeliveries. Committed
   * asynchronously (see {@link ASYNC_COMMIT}): a mark lost in a database crash lets a later
   * duplicate run again.
   */
  async markClaimsHandled(
    manager: EntityManager,
    claims: readonly Pick<InboxClaim, 'id' | 'consumer'>[],
    ownerId: number,
    keepMs: number,
  ): Promise<void> {
    if (claims.length === 0) return;
    await manager.query(
      `WITH ${ASYNC_COMMIT}
       UPDATE ${this.t.incoming} i
       SET status = 'handled', owner_id = 0, keep_until = now() + $5::int * interval '1 millisecond'
       FROM ${CLAIM_KEYS} AS x, async_commit
       WHERE i.id = x.id AND i.consumer = x.consumer AND i.status = 'incoming' AND i.owner_id = $4`,
      [...claimKeys(claims), ownerId, keepMs],
    );
  }

  /** Drops claims of node `ownerId` whose handling failed, so their redelivery is not taken for a duplicate. */
  async releaseClaims(
    manager: EntityManager,
    claims: readonly Pick<InboxClaim, 'id' | 'consumer'>[],
    ownerId: number,
  ): Promise<void> {
    if (claims.length === 0) return;
    await manager.query(
      `WITH ${ASYNC_COMMIT}
       DELETE FROM ${this.t.incoming} i
       USING ${CLAIM_KEYS} AS x, async_commit
       WHERE i.id = x.id AND i.consumer = x.consumer AND i.status = 'incoming' AND i.owner_id = $4`,
      [...claimKeys(claims), ownerId],
    );
  }

  /** Whether a row of `id` for `consumer` exists, whatever its status. */
  async isStored(manager: EntityManager, id: string, consumer: string): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `SELECT 1 FROM ${this.t.incoming} WHERE id = $1 AND consumer = $2`,
      [id, consumer],
    );
    return rows.length > 0;
  }

  /** Forgets that `consumer` handled `id`, so a replay of it is not discarded as a duplicate. */
  async forget(manager: EntityManager, id: string, consumer: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.t.incoming} WHERE id = $1 AND consumer = $2`, [id, consumer]);
  }

  /**
   * Stores envelopes waiting to run for `consumer`, owned by node `ownerId` (0: by whoever recovers
   * them). Resolves with the id of the transaction that wrote them (see {@link transactionStatus}),
   * undefined when there was nothing to store.
   */
  async enqueue(
    manager: EntityManager,
    consumer: string,
    envelopes: readonly StoredEnvelope[],
    ownerId: number,
  ): Promise<string | undefined> {
    if (envelopes.length === 0) return undefined;
    const [row] = await this.statements.rows<{ transaction_id: string }>(
      manager,
      `WITH stored AS (
         INSERT INTO ${this.t.incoming} (id, consumer, status, owner_id, message_type, tenant_id, envelope)
         SELECT e.env->>'id', $2, 'incoming', $3, e.env->>'type', e.env->>'tenantId', e.env
         FROM jsonb_array_elements($1::jsonb) AS e(env)
         ON CONFLICT (id, consumer) DO NOTHING
       )
       SELECT pg_current_xact_id()::text AS transaction_id`,
      [JSON.stringify(envelopes), consumer, ownerId],
    );
    return row?.transaction_id;
  }

  /**
   * How the server says transaction `transactionId` ended: `in progress` while it is still running
   * (or committing), null when it is too old for the server to remember.
   */
  async transactionStatus(
    manager: EntityManager,
    transactionId: string,
  ): Promise<'committed' | 'aborted' | 'in progress' | null> {
    const [row] = await queryRows<{ status: 'committed' | 'aborted' | 'in progress' | null }>(
      manager,
      `SELECT pg_xact_status($1::xid8) AS status`,
      [transactionId],
    );
    return row?.status ?? null;
  }

  /** Marks a stored envelope handled, kept for `keepMs` to recognise redeliveries. */
  async complete(manager: EntityManager, id: string, consumer: string, keepMs: number): Promise<void> {
    await this.statements.rows(
      manager,
      `UPDATE ${this.t.incoming} SET status = 'handled', owner_id = 0, keep_until = now() + $3::int * interval '1 millisecond'
       WHERE id = $1 AND consumer = $2 AND status = 'incoming'`,
      [id, consumer, keepMs],
    );
  }

  /**
   * Takes ownership for node `ownerId` of up to `limit` envelopes waiting for `consumer` that belong
   * to nobody or to a node no longer registered, oldest first, and returns them. Rows `ownerId`
   * already owns are left out: they are running on it.
   */
  async claimPending(
    manager: EntityManager,
    consumer: string,
    ownerId: number,
    limit: number,
  ): Promise<StoredEnvelope[]> {
    const rows = await queryRows<{ envelope: StoredEnvelope }>(
      manager,
      `WITH claimable AS (
         SELECT i.id, i.consumer, i.received_at FROM ${this.t.incoming} i
         WHERE i.consumer = $1 AND i.status = 'incoming'
           AND i.owner_id <> $2
           AND (i.owner_id = 0 OR NOT EXISTS (SELECT 1 FROM ${this.t.nodes} n WHERE n.id = i.owner_id))
         ORDER BY i.received_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE ${this.t.incoming} i SET owner_id = $2 FROM claimable c
         WHERE i.id = c.id AND i.consumer = c.consumer
         RETURNING i.envelope, c.received_at
       )
       SELECT envelope FROM claimed ORDER BY received_at`,
      [consumer, ownerId, limit],
    );
    return rows.map((row) => row.envelope);
  }

  /** Stores `envelope` to be released at `dueAt`; storing the same message twice keeps the first. */
  async schedule(manager: EntityManager, envelope: StoredEnvelope, dueAt: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.t.incoming} (id, consumer, status, execution_time, message_type, tenant_id, envelope)
       VALUES ($1, $2, 'scheduled', $3, $4, $5, $6::jsonb)
       ON CONFLICT (id, consumer) DO NOTHING`,
      [
        envelope.id,
        SCHEDULED_CONSUMER,
        dueAt,
        envelope.type,
        envelope.tenantId ?? null,
        JSON.stringify(envelope),
      ],
    );
  }

  /**
   * Deletes and returns up to `limit` due scheduled envelopes of the given types, earliest first,
   * skipping rows another node is releasing. Released in the caller's transaction: if it rolls
   * back, they stay scheduled.
   */
  async takeDue(manager: EntityManager, types: readonly string[], limit: number): Promise<StoredEnvelope[]> {
    if (types.length === 0) return [];
    const rows = await queryRows<{ envelope: StoredEnvelope }>(
      manager,
      `WITH due AS (
         SELECT id, consumer, execution_time FROM ${this.t.incoming}
         WHERE status = 'scheduled' AND execution_time <= now() AND message_type = ANY($1::text[])
         ORDER BY execution_time
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), taken AS (
         DELETE FROM ${this.t.incoming} i USING due d
         WHERE i.id = d.id AND i.consumer = d.consumer
         RETURNING i.envelope, d.execution_time
       )
       SELECT envelope FROM taken ORDER BY execution_time`,
      [types, limit],
    );
    return rows.map((row) => row.envelope);
  }

  /** Deletes up to `limit` handled rows whose retention ended; returns how many. */
  async purgeHandled(manager: EntityManager, limit: number): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      manager,
      `WITH expired AS (
         SELECT id, consumer FROM ${this.t.incoming}
         WHERE status = 'handled' AND keep_until < now()
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), purged AS (
         DELETE FROM ${this.t.incoming} i USING expired e WHERE i.id = e.id AND i.consumer = e.consumer RETURNING 1
       )
       SELECT count(*)::int AS n FROM purged`,
      [limit],
    );
    return row?.n ?? 0;
  }

  /**
   * Deletes up to `limit` batched-inbox claims owned by nobody (their node died or shut down before
   * marking or dropping them) that are older than `olderThanMs`; returns how many. Such a claim
   * only stood for "maybe handled": after the retention time a duplicate would have run anyway.
   */
  async purgeAbandonedClaims(manager: EntityManager, olderThanMs: number, limit: number): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      manager,
      `WITH abandoned AS (
         SELECT id, consumer FROM ${this.t.incoming}
         WHERE status = 'incoming' AND envelope IS NULL AND owner_id = 0
           AND received_at < now() - $1::int * interval '1 millisecond'
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), purged AS (
         DELETE FROM ${this.t.incoming} i USING abandoned a WHERE i.id = a.id AND i.consumer = a.consumer RETURNING 1
       )
       SELECT count(*)::int AS n FROM purged`,
      [olderThanMs, limit],
    );
    return row?.n ?? 0;
  }

  /** Gives rows owned by unregistered (dead) nodes back to nobody, so any node recovers them; returns how many. */
  async releaseOrphans(manager: EntityManager): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      manager,
      `WITH released AS (
         UPDATE ${this.t.incoming} i SET owner_id = 0
         WHERE i.owner_id <> 0 AND NOT EXISTS (SELECT 1 FROM ${this.t.nodes} n WHERE n.id = i.owner_id)
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM released`,
    );
    return row?.n ?? 0;
  }

  /** Gives the rows of node `ownerId` back to nobody (at its shutdown). */
  async releaseOwner(manager: EntityManager, ownerId: number): Promise<void> {
    await manager.query(`UPDATE ${this.t.incoming} SET owner_id = 0 WHERE owner_id = $1`, [ownerId]);
  }
}
