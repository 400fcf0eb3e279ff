import type { QueryRunner } from 'typeorm';
import type { OutgoingRow } from '../outgoing/outgoing-store.js';

/** How a transaction ended; `unknown` when the connection failed during its commit. */
export type TransactionOutcome = 'committed' | 'rolled-back' | 'unknown';

/** An outbox row waiting for its transaction's commit, with the (savepoint) depth it was enlisted at. */
interface PendingRow {
  readonly row: OutgoingRow;
  depth: number;
  /** Settles the row's enlistment: whether it committed. */
  readonly settle: (committed: boolean) => void;
}

/**
 * What the outbox did inside one open transaction: the rows it holds until commit (written with
 * one statement, and one `NOTIFY`, just before the commit), and a promise of how the transaction ends.
 */
export class TransactionScope {
  /** Outbox rows were written: the relay is woken after commit. */
  wroteOutgoing = false;
  readonly outcome: Promise<TransactionOutcome>;
  private readonly pending: PendingRow[] = [];
  private settle!: (outcome: TransactionOutcome) => void;
  private settled = false;
  /** The rows were taken to be written with the commit: a later enlistment would never be written. */
  private sealed = false;

  constructor(readonly queryRunner: QueryRunner) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  /**
   * Holds `row` until the transaction commits. Resolves `true` once it committed, `false` once it
   * was dropped (the transaction, or the savepoint it was enlisted in, rolled back) or the commit's
   * outcome is unknown (the relay sends the row if it did commit).
   */
  enlist(row: OutgoingRow): Promise<boolean> {
    if (this.sealed)
      throw new Error(
        `Outbox: message ${row.id} (${row.messageType}) was published while its transaction was committing, ` +
          'after the outbox had written its messages; publish before the commit',
      );
    return new Promise((settle) => {
      this.pending.push({ row, depth: depthOf(this.queryRunner), settle });
      // A row dropped by a savepoint's rollback has settled `false` already; the others share the
      // transaction's fate (a commit writes every row still held).
      void this.outcome.then((outcome) => settle(outcome === 'committed'));
    });
  }

  /** Takes the held rows, to be written with the commit; enlisting after that throws. */
  seal(): OutgoingRow[] {
    this.sealed = true;
    return this.pending.splice(0).map((pending) => pending.row);
  }

  /** A savepoint at `depth` was released: its rows now belong to the enclosing level. */
  savepointReleased(depth: number): void {
    for (const pending of this.pending) if (pending.depth >= depth) pending.depth = depth - 1;
  }

  /** A savepoint at `depth` was rolled back: the rows enlisted inside it are dropped. */
  savepointRolledBack(depth: number): void {
    const kept = this.pending.filter((pending) => pending.depth < depth);
    for (const pending of this.pending) if (pending.depth >= depth) pending.settle(false);
    this.pending.splice(0, this.pending.length, ...kept);
  }

  /** Records how the transaction ended; later calls are ignored. Returns whether this call settled it. */
  finish(outcome: TransactionOutcome): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.settle(outcome);
    return true;
  }
}

/** Nesting depth of `queryRunner`'s transaction: 1 for the transaction itself, more inside savepoints. */
export function depthOf(queryRunner: QueryRunner): number {
  return (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
}
