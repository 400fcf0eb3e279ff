import type { DeadLetter, DeadLetterQuery } from './dead-letter.js';

/** Where dead letters are kept: in memory by default, PostgreSQL with the outbox module. */
export interface DeadLetterStore {
  add(deadLetter: DeadLetter): Promise<void>;
  list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  remove(id: string): Promise<void>;
}

/** Injection token of the {@link DeadLetterStore}. */
export const DEAD_LETTER_STORE = Symbol.for('momentum:dead-letter-store');
