import { BaseRpcContext } from '@nestjs/microservices';
import type { DecodedEnvelope } from '../serialization/cloud-event-codec.js';
import type { IncomingRecord } from '../transports/message-transport.js';

/** The context of an `@EventPattern` handler served by `CloudEventsServer`; inject it with `@Ctx()`. */
export class CloudEventContext extends BaseRpcContext<[DecodedEnvelope, IncomingRecord, number]> {
  /** The decoded CloudEvent: id, type, source, tenant, correlation and the data. */
  getEnvelope(): DecodedEnvelope {
    return this.args[0];
  }

  /** The record as the transport delivered it (topic, partition, offset, key, headers). */
  getRecord(): IncomingRecord {
    return this.args[1];
  }

  /** 1 on the first attempt, then 2, 3, … on retries. */
  getAttempt(): number {
    return this.args[2];
  }
}
