import type { DeadLetter, DeadLetterQuery } from './dead-letter.js';
import type { DeadLetterStore } from './dead-letter-store.js';

/** The default {@link DeadLetterStore}: kept in process memory, lost on restart. */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly deadLetters = new Map<string, DeadLetter>();

  async add(deadLetter: DeadLetter): Promise<void> {
    this.deadLetters.set(deadLetter.id, deadLetter);
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const matches = [...this.deadLetters.values()].filter(
      (letter) =>
        (query.messageType === undefined || letter.messageType === query.messageType) &&
        (query.tenantId === undefined || letter.tenantId === query.tenantId) &&
        (query.since === undefined || letter.failedAt >= query.since) &&
        (query.until === undefined || letter.failedAt <= query.until),
    );
    return matches.slice(0, query.limit ?? matches.length);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.deadLetters.get(id);
  }

  async remove(id: string): Promise<void> {
    this.deadLetters.delete(id);
  }
}
