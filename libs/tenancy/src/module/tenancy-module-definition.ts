import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TenancyModuleOptions } from './tenancy-options.js';

/** Extra `forRoot` options handled by the module itself. */
export interface TenancyModuleExtras {
  /** Register tenancy globally (default true), so any module can inject `TenantContext`. */
  readonly isGlobal?: boolean;
}

/** The `forRoot` / `forRootAsync` plumbing of `TenancyModule` and its options token, built by Nest. */
export const {
  ConfigurableModuleClass: TenancyConfigurableModule,
  MODULE_OPTIONS_TOKEN: TENANCY_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<TenancyModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<TenancyModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
