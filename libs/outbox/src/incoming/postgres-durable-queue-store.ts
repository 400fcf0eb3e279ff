import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DurableQueueStore, Envelope } from '@momentum/messaging';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { translateStoreError } from '../database/store-unavailable-error.js';
import { RESOLVED_OUTBOX_OPTIONS } from '../module/outbox-tokens.js';
import { NodeIdentity } from '../nodes/node-identity.js';
import { MessageStore } from '../schema/message-store.js';
import { Outbox } from '../transactions/outbox.service.js';
import { TransactionScopes } from '../transactions/transaction-scopes.js';
import { DurableQueueGates, type KnownOutcome } from './durable-queue-gates.js';
import { queueConsumer } from './incoming-store.js';
import { MessageClasses } from './message-classes.js';
import { restoreEnvelope, storeEnvelope } from './stored-envelope.js';

/**
 * The bus's {@link DurableQueueStore} on the `incoming` table. Messages published while a
 * transaction is open become rows of that transaction, and their handlers run only once it
 * committed (see `OutboxTransactionMiddleware`); otherwise they are stored on their own before
 * `publish` returns. Rows are owned by this node until handled; rows of dead nodes are recovered
 * at startup and then periodically (see {@link recoverAll}).
 */
@Injectable()
export class PostgresDurableQueueStore implements DurableQueueStore {
  private readonly logger = new Logger('Outbox');
  /** The bus's recovery of each durable queue. */
  private readonly recoveries = new Map<string, () => Promise<number>>();

  constructor(
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(TransactionScopes) private readonly scopes: TransactionScopes,
    @Inject(DurableQueueGates) private readonly gates: DurableQueueGates,
    @Inject(MessageClasses) private readonly classes: MessageClasses,
    @Inject(NodeIdentity) private readonly node: NodeIdentity,
    @Inject(RESOLVED_OUTBOX_OPTIONS) private readonly options: ResolvedOutboxOptions,
  ) {}

  async enqueue(queue: string, envelopes: readonly Envelope[]): Promise<void> {
    envelopes.forEach((envelope) => this.classes.learn(envelope));
    const queryRunner = this.outbox.currentQueryRunner();
    const manager = queryRunner?.manager ?? this.store.dataSource.manager;
    const consumer = queueConsumer(queue);
    let transactionId: string | undefined;
    try {
      transactionId = await this.store.incoming.enqueue(
        manager,
        consumer,
        envelopes.map(storeEnvelope),
        this.node.id,
      );
    } catch (error) {
      throw translateStoreError(error);
    }
    if (!queryRunner || transactionId === undefined) return;
    const outcome = this.scopes.scopeOf(queryRunner).outcome;
    for (const { id } of envelopes)
      this.gates.hold(queue, id, outcome, () => this.outcomeOfTransaction(transactionId, id, consumer));
  }

  /**
   * How the enqueuing transaction `transactionId` ended, asked on another connection after its
   * commit lost its connection; undefined while the server is still committing it. The server's
   * own record decides (a row could also exist from an earlier transaction with the same message
   * id); only for a transaction too old for the server to remember does the row decide.
   */
  private async outcomeOfTransaction(
    transactionId: string,
    envelopeId: string,
    consumer: string,
  ): Promise<KnownOutcome | undefined> {
    const manager = this.store.dataSource.manager;
    try {
      const status = await this.store.incoming.transactionStatus(manager, transactionId);
      if (status === 'in progress') return undefined;
      if (status !== null) return status === 'committed' ? 'committed' : 'rolled-back';
      return (await this.store.incoming.isStored(manager, envelopeId, consumer))
        ? 'committed'
        : 'rolled-back';
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async complete(queue: string, envelopeId: string): Promise<void> {
    this.gates.release(queue, envelopeId);
    await this.store.incoming.complete(
      this.store.dataSource.manager,
      envelopeId,
      queueConsumer(queue),
      this.options.inbox.keepHandledMs,
    );
  }

  registerRecovery(queue: string, recover: () => Promise<number>): void {
    this.recoveries.set(queue, recover);
  }

  /**
   * Runs every durable queue's recovery: each takes the stored messages no live node is running
   * (see `IncomingStore.claimPending`) and runs them here. Resolves with how many; logs failures.
   */
  async recoverAll(): Promise<number> {
    let recovered = 0;
    for (const [queue, recover] of this.recoveries) {
      try {
        const count = await recover();
        if (count > 0) this.logger.log(`durable queue '${queue}': recovered ${count} stored message(s)`);
        recovered += count;
      } catch (error) {
        this.logger.warn(`durable queue '${queue}': recovery failed: ${(error as Error).message}`);
      }
    }
    return recovered;
  }

  async pending(queue: string, limit: number): Promise<Envelope[]> {
    const stored = await this.store.incoming.claimPending(
      this.store.dataSource.manager,
      queueConsumer(queue),
      this.node.id,
      limit,
    );
    return stored.map((envelope) => restoreEnvelope(envelope, this.classes));
  }
}
