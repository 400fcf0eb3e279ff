import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OutboxModuleOptions } from '../config/outbox-options.js';

/** Extra `forRoot` options handled by the module itself. */
export interface OutboxModuleExtras {
  /** Register the module globally (default true), so feature modules can inject `Outbox` and `DeadLetters`. */
  readonly isGlobal?: boolean;
}

/** The module class `OutboxModule` extends (`forRoot`/`forRootAsync`) and the token of its raw options. */
export const {
  ConfigurableModuleClass: OutboxConfigurableModule,
  MODULE_OPTIONS_TOKEN: OUTBOX_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<OutboxModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<OutboxModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
