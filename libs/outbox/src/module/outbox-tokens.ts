/** Injection token of the outbox options after validation and defaults. */
export const RESOLVED_OUTBOX_OPTIONS = Symbol.for('momentum:resolved-outbox-options');
