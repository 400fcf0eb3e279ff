/** Whether an entry records a message leaving (`publish`) or the final outcome of handling it (`handling`). */
export type AuditKind = 'publish' | 'handling';

/**
 * What happened. `publish`: `sent` (to a queue, a transport topic or an inline invoke),
 * `scheduled`, or `denied` by topic access. `handling`: `succeeded`, `dead-lettered`, `denied`
 * (a consumed record the service may not consume), `discarded` (dropped by its error policy),
 * `failed` (an `invoke` whose handler threw to the caller), or `no-handler`.
 */
export type AuditResult =
  'sent' | 'scheduled' | 'denied' | 'succeeded' | 'dead-lettered' | 'discarded' | 'failed' | 'no-handler';

/** One line of the audit trail. */
export interface AuditEntry {
  readonly kind: AuditKind;
  readonly result: AuditResult;
  readonly tenantId?: string;
  /** The message id. */
  readonly messageId?: string;
  readonly messageType?: string;
  /** The transport topic, for messages that travel on one. */
  readonly topic?: string;
  /** Where the message went or came from: `transport:topic`, `queue <name>`, `invoke`, or (scheduled) when it is due. */
  readonly destination?: string;
  /** `Class.method` of the handler, for handling outcomes. */
  readonly handler?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Why it failed or was denied. */
  readonly reason?: string;
  readonly at: Date;
}
