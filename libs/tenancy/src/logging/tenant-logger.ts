import { ConsoleLogger, type ConsoleLoggerOptions } from '@nestjs/common';
import type { TenantContext } from '../context/tenant-context.js';

/**
 * Nest's `ConsoleLogger` with the current tenant on every line: `tenant=<id>` after the context in
 * text mode, a `tenant` field in JSON mode; lines written outside any tenant's work are unchanged.
 * Every `Logger` in the application (the bus's included) writes through it once installed:
 *
 * ```ts
 * const app = await NestFactory.create(AppModule, { bufferLogs: true });
 * app.useLogger(app.get(TenantLogger)); // or new TenantLogger(app.get(TenantContext), { json: true })
 * ```
 */
export class TenantLogger extends ConsoleLogger {
  constructor(
    private readonly tenants: TenantContext,
    options: ConsoleLoggerOptions = {},
  ) {
    super(options);
  }

  protected override formatContext(context: string): string {
    const tenantId = this.tenants.current();
    return tenantId === undefined
      ? super.formatContext(context)
      : `${super.formatContext(context)}tenant=${tenantId} `;
  }

  protected override getJsonLogObject(
    ...args: Parameters<ConsoleLogger['getJsonLogObject']>
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const tenantId = this.tenants.current();
    const object = super.getJsonLogObject(...args);
    return tenantId === undefined ? object : { ...object, tenant: tenantId };
  }
}
