import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetter, DeadLetterStore } from '@momentum/messaging';
import { InboxDeliveries } from '../incoming/inbox-deliveries.js';
import { storeEnvelope } from '../incoming/stored-envelope.js';
import { MessageStore } from '../schema/message-store.js';
import { AmbientTransactions } from '../transactions/ambient-transaction.js';
import type { StoredDeadLetter, StoredDeadLetterQuery } from './stored-dead-letter.js';

/**
 * The bus's {@link DeadLetterStore} on the `dead_letters` table. A dead letter of a consumed record
 * records its transport and topic, so a replay sends it back there; one of a message the durable
 * inbox is handling also records the consumer group and the envelope, so the replay targets that
 * group, and in the transactional inbox it is written in the inbox transaction (it commits with
 * the handled mark).
 */
@Injectable()
export class PostgresDeadLetterStore implements DeadLetterStore {
  constructor(@Inject(MessageStore) private readonly store: MessageStore) {}

  async add(deadLetter: DeadLetter): Promise<void> {
    const delivery = InboxDeliveries.current();
    const inbox = delivery?.envelope.id === deadLetter.messageId ? delivery : undefined;
    const [transport, topic] = splitSource(deadLetter.source);
    const stored: StoredDeadLetter = {
      ...deadLetter,
      consumer: inbox?.consumer,
      transport,
      topic,
      partitionKey: inbox?.envelope.partitionKey,
      envelope: inbox ? storeEnvelope(inbox.envelope) : undefined,
    };
    const ambient = AmbientTransactions.current();
    const manager =
      inbox && ambient?.inbox === inbox ? ambient.queryRunner.manager : this.store.dataSource.manager;
    await this.store.deadLetters.insert(manager, stored);
  }

  list(query?: StoredDeadLetterQuery): Promise<StoredDeadLetter[]> {
    return this.store.deadLetters.list(this.store.dataSource.manager, query);
  }

  get(id: string): Promise<StoredDeadLetter | undefined> {
    return this.store.deadLetters.get(this.store.dataSource.manager, id);
  }

  async remove(id: string): Promise<void> {
    await this.store.deadLetters.delete(this.store.dataSource.manager, [id]);
  }
}

/** `transport:topic` split at the first colon; a local queue name has no colon. */
function splitSource(source: string): [string | undefined, string | undefined] {
  const colon = source.indexOf(':');
  return colon < 0 ? [undefined, undefined] : [source.slice(0, colon), source.slice(colon + 1)];
}
