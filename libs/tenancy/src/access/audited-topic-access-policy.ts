import { TopicAccessDeniedError, type Envelope, type TopicAccessPolicy } from '@momentum/messaging';
import type { AuditRecorder } from '../audit/audit-recorder.js';

/**
 * Wraps a policy so that a denied publish is written to the audit trail, with the message's
 * identity, before the caller gets the error. A denied consume needs no wrapping: the bus
 * dead-letters the record, and the recorder audits that dead letter.
 */
export class AuditedTopicAccessPolicy implements TopicAccessPolicy {
  constructor(
    private readonly inner: TopicAccessPolicy,
    private readonly recorder: AuditRecorder,
  ) {}

  assertPublish(topic: string, tenantId: string | undefined, envelope: Envelope): void {
    try {
      this.inner.assertPublish(topic, tenantId, envelope);
    } catch (error) {
      if (error instanceof TopicAccessDeniedError) this.recorder.recordPublishDenial(error, envelope);
      throw error;
    }
  }

  assertConsume(topic: string, tenantId: string | undefined): void {
    this.inner.assertConsume(topic, tenantId);
  }
}
