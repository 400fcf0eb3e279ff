// The receiving service of the latency benchmark, run as a child process by latency.bench.ts: a Nest
// app with the Kafka transport (its own consumer group) and, unless LATENCY_INBOX=0, the durable
// inbox on its own schema. Its handler reports when it starts, per probe, over IPC.
import 'reflect-metadata';
import { Injectable, Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventHandler, EventTopic, KafkaTransport, MessagingModule, PartitionKey } from '@momentum/messaging';
import { BROKERS, outboxMessagingModule } from './support/infra.js';

const topic = process.env.LATENCY_TOPIC!;
const groupId = process.env.LATENCY_GROUP!;
const schema = process.env.LATENCY_SCHEMA!;
const inbox = process.env.LATENCY_INBOX !== '0';

/** Wall-clock milliseconds with sub-millisecond resolution. */
const ORIGIN = performance.timeOrigin;
const now = () => ORIGIN + performance.now();

let handled: [string, number][] = [];

@EventTopic(topic)
class LatencyProbe {
  @PartitionKey()
  readonly key!: string;
  readonly probe!: string;
}

@Injectable()
class ProbeHandler {
  @EventHandler()
  on(event: LatencyProbe): void {
    handled.push([event.probe, now()]);
  }
}

const transport = new KafkaTransport({
  brokers: BROKERS,
  clientId: 'bench-latency-receiver',
  topicDefaults: { provision: 'none' },
});
const base = { serviceName: 'bench-latency-receiver', consumerGroup: groupId, transports: [transport] };
const imports: ModuleMetadata['imports'] = inbox
  ? [outboxMessagingModule({ schema, relay: { enabled: false }, poolSize: 5 }, base)]
  : [MessagingModule.forRoot(base)];

@Module({ imports, providers: [ProbeHandler] })
class ReceiverModule {}

const app = await NestFactory.createApplicationContext(ReceiverModule, { logger: ['error'] });
const flush = setInterval(() => {
  if (handled.length === 0) return;
  process.send!({ kind: 'handled', items: handled });
  handled = [];
}, 20);

process.on('message', (message: { kind: string; id?: number }) => {
  if (message.kind === 'ping') process.send!({ kind: 'pong', id: message.id, at: now() });
  if (message.kind === 'stop') {
    clearInterval(flush);
    void app.close().then(() => process.exit(0));
  }
});
process.send!({ kind: 'ready' });
