/** Injection token of the options after validation and defaults. */
export const RESOLVED_MESSAGING_OPTIONS = Symbol.for('momentum:resolved-messaging-options');

/**
 * Injection token of a function applied to every configured transport at startup. Identity by
 * default; `@momentum/testing` overrides it to stub external transports.
 */
export const TRANSPORT_DECORATOR = Symbol.for('momentum:transport-decorator');
