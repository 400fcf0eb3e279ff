import type { ActivityKind } from '@momentum/messaging';
import { RecordCollection, type TrackedRecord } from './record-collection.js';

/**
 * What a tracked session observed, from the action until every tracked app was idle: all activity
 * records in order, and per kind as {@link RecordCollection}s.
 */
export class TrackedSession<TResult = unknown> {
  /** Every record of every tracked app, in the order they were recorded. */
  readonly records: readonly TrackedRecord[];
  /** Messages that left for a route: a local queue, `transport:topic`, or `invoke`. */
  readonly sent: RecordCollection;
  /** Messages taken from a local queue or a transport for handling. */
  readonly received: RecordCollection;
  /** Handler attempts started (one record per handler and attempt). */
  readonly executed: RecordCollection;
  /** Handler attempts that succeeded. */
  readonly succeeded: RecordCollection;
  /** Handler attempts that threw. */
  readonly failed: RecordCollection;
  /** Messages moved to the dead letters. */
  readonly deadLettered: RecordCollection;
  /** Messages published with no route, or received from a transport with no handler for their type. */
  readonly noHandler: RecordCollection;
  /** Messages scheduled for later. The session does not wait for them to become due. */
  readonly scheduled: RecordCollection;

  constructor(
    records: readonly TrackedRecord[],
    /** What the action returned: the handler's answer for `invoke`, the callback's value for `execute`. */
    readonly result: TResult,
  ) {
    this.records = Object.freeze([...records]);
    const of = (kind: ActivityKind, label: string) =>
      new RecordCollection(
        label,
        this.records.filter((record) => record.kind === kind),
      );
    this.sent = of('sent', 'sent');
    this.received = of('received', 'received');
    this.executed = of('executed', 'executed');
    this.succeeded = of('succeeded', 'succeeded');
    this.failed = of('failed', 'failed');
    this.deadLettered = of('dead-lettered', 'dead-lettered');
    this.noHandler = of('no-handler', 'no-handler');
    this.scheduled = of('scheduled', 'scheduled');
  }

  /** All records as one {@link RecordCollection}, e.g. to ask whether a message appeared at all. */
  get allRecords(): RecordCollection {
    return new RecordCollection('all records', this.records);
  }
}
