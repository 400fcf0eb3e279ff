import { messageTypeOf, type ActivityRecord, type Envelope, type MessageClass } from '@momentum/messaging';

/** An {@link ActivityRecord} as a tracked session keeps it: with the label of the app that emitted it. */
export interface TrackedRecord extends ActivityRecord {
  /** The label of the tracked app that recorded this step (`app 1`, `app 2`, … unless named). */
  readonly app: string;
}

/**
 * The records of one kind (or all records) of a {@link TrackedSession}, with message-level queries.
 *
 * Two levels are exposed on purpose:
 * - `records` and `count` are raw: one entry per recorded step. A message handled by two handlers,
 *   or retried, has several `executed` records; a message published to two routes has several
 *   `sent` records.
 * - `envelopes`, `messages`, `all` and `single` are per message: records are de-duplicated by
 *   envelope id, keeping the first-seen order. So `executed.single(OrderPlaced)` means "exactly one
 *   `OrderPlaced` message was executed", however many handlers and attempts ran for it, and one
 *   integration event received by two tracked apps counts once.
 *
 * Messages match a class by their stable type name (`messageTypeOf`, i.e. `@EventTopic`'s type or
 * the class name), so a contract class declared separately in each service still matches. A
 * message read off a transport that no handler knew stays a plain object.
 */
export class RecordCollection {
  constructor(
    /** What this collection holds, for error messages: `received`, `all records`, … */
    readonly label: string,
    /** Every record, in the order they were recorded. */
    readonly records: readonly TrackedRecord[],
  ) {}

  /** How many records (steps, not distinct messages; see the class notes). */
  get count(): number {
    return this.records.length;
  }

  /** The distinct envelopes (by id), in the order first recorded. */
  get envelopes(): readonly Envelope[] {
    const seen = new Map<string, Envelope>();
    for (const record of this.records)
      if (!seen.has(record.envelope.id)) seen.set(record.envelope.id, record.envelope);
    return [...seen.values()];
  }

  /** The messages of {@link envelopes}, in the same order. */
  get messages(): readonly object[] {
    return this.envelopes.map((envelope) => envelope.message);
  }

  /** The distinct messages of class `type`, in the order first recorded. */
  all<T extends object>(type: MessageClass<T>): T[] {
    return this.envelopesOf(type).map((envelope) => envelope.message as T);
  }

  /**
   * The one message of class `type`. Throws, listing what this collection recorded, when there is
   * none or more than one distinct message (by envelope id) of that class.
   */
  single<T extends object>(type: MessageClass<T>): T {
    const matches = this.envelopesOf(type);
    if (matches.length === 1) return matches[0]!.message as T;
    const typeName = messageTypeOf(type);
    const found =
      matches.length === 0
        ? 'none'
        : `${matches.length} (${matches.map((envelope) => envelope.id).join(', ')})`;
    throw new Error(
      `Expected exactly one ${typeName} message in ${this.label}, found ${found}.\n` +
        describeRecords(this.label, this.records),
    );
  }

  private envelopesOf(type: MessageClass): Envelope[] {
    const typeName = messageTypeOf(type);
    return this.envelopes.filter(
      (envelope) => envelope.type === typeName || envelope.message instanceof type,
    );
  }
}

/** A one-line summary of a record: `app 1 executed Ping#1a2b3c4d at queue default by Handlers.onPing (attempt 1)`. */
export function describeRecord(record: TrackedRecord): string {
  const parts = [`${record.app} ${record.kind} ${record.envelope.type}#${record.envelope.id.slice(0, 8)}`];
  if (record.destination)
    parts.push(record.kind === 'scheduled' ? `for ${record.destination}` : `at ${record.destination}`);
  if (record.handler) parts.push(`by ${record.handler}`);
  if (record.attempt !== undefined) parts.push(`(attempt ${record.attempt})`);
  if (record.error) parts.push(`: ${record.error.name}: ${record.error.message}`);
  return parts.join(' ');
}

/** A multi-line listing of records under a heading, for error messages. */
export function describeRecords(label: string, records: readonly TrackedRecord[]): string {
  if (records.length === 0) return `Recorded ${label}: none.`;
  return `Recorded ${label} (${records.length}):\n${records.map((record) => `  - ${describeRecord(record)}`).join('\n')}`;
}
