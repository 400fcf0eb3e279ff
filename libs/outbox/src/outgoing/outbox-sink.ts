import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, OutgoingEnlistment, OutgoingMessageSink, TransportRecord } from '@momentum/messaging';
import { commitPipelined, type PipeliningClient } from '../database/pipelined-commit.js';
import { translateStoreError } from '../database/store-unavailable-error.js';
import { OutboxRuntime } from '../module/outbox-runtime.js';
import { MessageStore } from '../schema/message-store.js';
import { Outbox } from '../transactions/outbox.service.js';
import type { TransactionScope } from '../transactions/transaction-scope.js';
import { TransactionScopes } from '../transactions/transaction-scopes.js';
import type { OutgoingRow } from './outgoing-store.js';

/**
 * The bus's {@link OutgoingMessageSink}: while a transaction is open (see {@link Outbox}), a
 * transport-bound record is held by the transaction, and every record it holds is written as
 * `outgoing` rows with one statement just before it commits. A rolled-back transaction (or
 * savepoint) drops them. After the commit the relays are woken (see `OutboxRuntime`). At shutdown
 * the bus drains it: this process's relay sends what committed, then stops.
 */
@Injectable()
export class OutboxSink implements OutgoingMessageSink {
  constructor(
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(TransactionScopes) private readonly scopes: TransactionScopes,
    @Inject(OutboxRuntime) private readonly runtime: OutboxRuntime,
  ) {
    scopes.writeWith({
      flush: (scope) => this.flush(scope),
      flushAndCommit: (scope, client) => this.flushAndCommit(scope, client),
    });
  }

  async tryEnlist(
    transport: string,
    record: TransportRecord,
    envelope: Envelope,
  ): Promise<false | OutgoingEnlistment> {
    const queryRunner = this.outbox.currentQueryRunner();
    if (!queryRunner) return false;
    return { committed: this.scopes.scopeOf(queryRunner).enlist(outgoingRow(transport, record, envelope)) };
  }

  async drain(): Promise<void> {
    await this.runtime.drainRelay();
  }

  /** Writes what `scope` holds into its transaction (called just before it commits). */
  private async flush(scope: TransactionScope): Promise<void> {
    const rows = scope.seal();
    if (rows.length === 0) return;
    try {
      await this.store.outgoing.insert(scope.queryRunner.manager, rows);
    } catch (error) {
      throw translateStoreError(error);
    }
    scope.wroteOutgoing = true;
  }

  /** Writes what `scope` holds, if any, and commits its transaction, in one round trip. */
  private async flushAndCommit(scope: TransactionScope | undefined, client: PipeliningClient): Promise<void> {
    const rows = scope?.seal() ?? [];
    try {
      await commitPipelined(client, this.store.outgoing.insertStatements(rows));
    } catch (error) {
      throw translateStoreError(error);
    }
    // Set, never cleared: a dead-letter replay marks the scope itself, without rows held here.
    if (scope && rows.length > 0) scope.wroteOutgoing = true;
  }
}

/** The outbox row of a record bound for `transport`. */
export function outgoingRow(transport: string, record: TransportRecord, envelope: Envelope): OutgoingRow {
  return {
    id: envelope.id,
    transport,
    topic: record.topic,
    partitionKey: record.key,
    headers: record.headers,
    body: record.value,
    messageType: envelope.type,
    tenantId: envelope.tenantId,
  };
}
