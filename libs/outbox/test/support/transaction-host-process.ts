// Run in a child process (plain Node): nestjs-cls is CommonJS requiring the ESM @nestjs/common,
// which Jest 30's ESM mode cannot load (Papooch/nestjs-cls#631). Places two orders through a
// @Transactional() method, one committing and one rolling back, and reports what reached the broker.
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InMemoryBroker, InMemoryTransport, MessageBus, MessagingModule } from '@momentum/messaging';
import { OUTBOX_DATA_SOURCE, OutboxMessagingBridge, OutboxModule } from '@momentum/outbox';
import { ClsPluginTransactional, Transactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsModule } from 'nestjs-cls';
import { ORDER_PLACED, OrderPlaced } from './test-messages.js';

/** An application service publishing inside a nestjs-cls transaction. */
@Injectable()
class PlaceOrders {
  constructor(@Inject(MessageBus) private readonly bus: MessageBus) {}

  @Transactional()
  async place(orderId: string, fail: boolean): Promise<void> {
    await this.bus.publish(new OrderPlaced(orderId));
    if (fail) throw new Error('rejected');
  }
}

const broker = new InMemoryBroker();

@Module({
  imports: [
    MessagingModule.forRootAsync({
      imports: [
        OutboxModule.forRoot({
          url: process.env.DATABASE_URL!,
          schema: process.env.OUTBOX_SCHEMA!,
          autoCreate: true,
          nodes: { mode: 'solo' },
          relay: { pollIntervalMs: 100 },
        }),
      ],
      inject: [OutboxMessagingBridge],
      useFactory: (outbox: OutboxMessagingBridge) =>
        outbox.messagingOptions({
          serviceName: 'cls-process',
          transports: [new InMemoryTransport({ broker })],
        }),
    }),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: OUTBOX_DATA_SOURCE }),
        }),
      ],
    }),
  ],
  providers: [PlaceOrders],
})
class TransactionHostProcessModule {}

const app = await NestFactory.createApplicationContext(TransactionHostProcessModule, {
  logger: ['error', 'warn'],
});
const orders = app.get(PlaceOrders);
await orders.place('cls-commit', false);
const rollback = await orders.place('cls-rollback', true).then(
  () => 'committed',
  (error: Error) => error.message,
);
const deadline = Date.now() + 5_000;
while (broker.records(ORDER_PLACED).length === 0 && Date.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 20));
await new Promise((resolve) => setTimeout(resolve, 300));
const sent = broker
  .records(ORDER_PLACED)
  .map((record) => (JSON.parse(record.value!.toString()) as OrderPlaced).orderId);
await app.close();
process.stdout.write(`${JSON.stringify({ sent, rollback })}\n`);
