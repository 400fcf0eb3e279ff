import { type DynamicModule, Module } from '@nestjs/common';
import { ServicePlatformModule } from '../../shared/src/platform/service-platform.module.js';
import type { ServicePlatformOptions } from '../../shared/src/platform/service-platform-options.js';
import { InvoicesModule } from './invoices/invoices.module.js';

/** The billing service: the shared platform (tenancy, outbox, bus, health, admin) and invoicing. */
@Module({})
export class AppModule {
  static forService(options: ServicePlatformOptions): DynamicModule {
    return { module: AppModule, imports: [ServicePlatformModule.forService(options), InvoicesModule] };
  }
}
