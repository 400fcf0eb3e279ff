import { describeRecord, describeRecords, type TrackedRecord } from './record-collection.js';
import type { TrackedSession } from './tracked-session.js';

/** What was still in flight in one tracked app when a session timed out. */
export interface InFlightReport {
  /** The app's label (`app 1`, `app 2`, … unless named). */
  readonly app: string;
  /** The app's `ActivityTracker.inFlight()` at the time of the timeout. */
  readonly inFlight: readonly string[];
}

/**
 * A tracked session did not finish in time. The message lists, per app, the work still in flight
 * and every record seen so far; {@link inFlight} and {@link records} hold the same data.
 */
export class TrackedSessionTimeoutError extends Error {
  override readonly name = 'TrackedSessionTimeoutError';

  constructor(
    readonly timeoutMs: number,
    readonly inFlight: readonly InFlightReport[],
    readonly records: readonly TrackedRecord[],
    /** True when the action itself (e.g. `invoke`) had not returned yet. */
    readonly actionPending: boolean,
  ) {
    const waiting = inFlight
      .map(({ app, inFlight: work }) =>
        work.length === 0 ? `  ${app}: idle` : `  ${app}:\n${work.map((line) => `    - ${line}`).join('\n')}`,
      )
      .join('\n');
    super(
      `Tracked session timed out after ${timeoutMs} ms` +
        `${actionPending ? ' (the action itself had not returned)' : ''}. Still in flight:\n${waiting}\n` +
        describeRecords('so far', records),
    );
  }
}

/**
 * A handler failed during a tracked session (any `failed` record, even one that a retry later
 * fixed), and the session was not told {@link TrackedSessionBuilder.doNotFailOnHandlerErrors}. Thrown
 * once all work finished; the complete {@link session} is kept for further assertions.
 */
export class TrackedSessionHandlerError extends Error {
  override readonly name = 'TrackedSessionHandlerError';
  /** The `failed` records, in order. */
  readonly failures: readonly TrackedRecord[];

  constructor(readonly session: TrackedSession) {
    const failures = session.failed.records;
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more failure(s))` : '';
    super(
      `Handler ${first.handler ?? '(unknown handler)'} failed on ${first.envelope.type} ${first.envelope.id}: ` +
        `${first.error?.message ?? 'no error recorded'}${more}\n` +
        failures.map((record) => `  - ${describeRecord(record)}`).join('\n'),
      { cause: first.error },
    );
    this.failures = failures;
  }
}
