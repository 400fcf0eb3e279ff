// A service process that only relays: OutboxModule on DATABASE_URL/OUTBOX_SCHEMA with its relay on,
// sending through an IpcTransport to the test process that spawned it.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagingModule } from '@momentum/messaging';
import { OutboxMessagingBridge, OutboxModule } from '@momentum/outbox';
import { IpcTransport, type ParentMessage } from './ipc-transport.js';
import { OrderPlaced } from './test-messages.js';

const schema = process.env.OUTBOX_SCHEMA!;
const batchSize = Number(process.env.RELAY_BATCH_SIZE ?? 100);
/** Node options (JSON) to use instead of the defaults, e.g. short leadership intervals. */
const nodes = process.env.OUTBOX_NODES ? JSON.parse(process.env.OUTBOX_NODES) : {};

@Module({
  imports: [
    MessagingModule.forRootAsync({
      imports: [
        OutboxModule.forRoot({
          url: process.env.DATABASE_URL!,
          schema,
          relay: { batchSize, pollIntervalMs: 200 },
          nodes: { ...nodes, mode: 'balanced' },
          // With node options given, this node also releases due scheduled OrderPlaced messages when it leads.
          messageClasses: process.env.OUTBOX_NODES ? [OrderPlaced] : [],
        }),
      ],
      inject: [OutboxMessagingBridge],
      useFactory: (outbox: OutboxMessagingBridge) =>
        outbox.messagingOptions({
          serviceName: 'relay-process',
          transports: [new IpcTransport('in-memory')],
        }),
    }),
  ],
})
class RelayProcessModule {}

const app = await NestFactory.createApplicationContext(RelayProcessModule, { logger: ['error', 'warn'] });
process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') void app.close().then(() => process.exit(0));
});
process.send!({ type: 'ready', pid: process.pid });
