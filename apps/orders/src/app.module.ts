import { Module } from '@nestjs/common';
import { MessagingModule } from '@momentum/messaging';
import { OrderHandlers } from './orders/order-handlers.js';
import { OrderRepository } from './orders/order-repository.js';
import { OrdersController } from './orders/orders.controller.js';

/** The orders service on the embedded defaults: the in-memory transport and in-process queues. */
@Module({
  imports: [
    MessagingModule.forRootAsync({
      useFactory: () => ({
        serviceName: 'orders',
        environment: process.env.APP_ENV ?? process.env.NODE_ENV ?? 'development',
      }),
    }),
  ],
  controllers: [OrdersController],
  providers: [OrderRepository, OrderHandlers],
})
export class AppModule {}
