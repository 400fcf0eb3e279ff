/**
 * `@momentum/testing`: tracked sessions that wait for all cascaded message work, and stubs for
 * external transports, for tests of apps built on `@momentum/messaging`.
 */
export {
  trackActivity,
  TrackedSessionBuilder,
  DEFAULT_TRACKED_SESSION_TIMEOUT_MS,
  type TrackActivityOptions,
} from './track-activity.js';
export { TrackedSession } from './tracked-session.js';
export { RecordCollection, describeRecord, type TrackedRecord } from './record-collection.js';
export { TrackedSessionTimeoutError, TrackedSessionHandlerError, type InFlightReport } from './errors.js';
export { StubTransport, type StubDeadLetter } from './stub-transport.js';
export { stubExternalTransports, stubbedTransport } from './stub-external-transports.js';
