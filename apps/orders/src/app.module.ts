import { type DynamicModule, Module } from '@nestjs/common';
import { ServicePlatformModule } from '../../shared/src/platform/service-platform.module.js';
import type { ServicePlatformOptions } from '../../shared/src/platform/service-platform-options.js';
import { OrdersModule } from './orders/orders.module.js';

/** The orders service: the shared platform (tenancy, outbox, bus, health, admin) and the orders feature. */
@Module({})
export class AppModule {
  static forService(options: ServicePlatformOptions): DynamicModule {
    return { module: AppModule, imports: [ServicePlatformModule.forService(options), OrdersModule] };
  }
}
