import { Module } from '@nestjs/common';
import { CurrentManager } from '../../../shared/src/database/current-manager.js';
import { OrderCommandsHandler } from './order-commands.handler.js';
import { OrderDomainEventsHandler } from './order-domain-events.handler.js';
import { OrderStore } from './order-store.js';
import { OrdersController } from './orders.controller.js';
import { PaymentEventsHandler } from './payment-events.handler.js';

/** Orders: the HTTP API, the commands, the status history and billing's outcomes. */
@Module({
  controllers: [OrdersController],
  providers: [
    CurrentManager,
    OrderStore,
    OrderCommandsHandler,
    OrderDomainEventsHandler,
    PaymentEventsHandler,
  ],
})
export class OrdersModule {}
