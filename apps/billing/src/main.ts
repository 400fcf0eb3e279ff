import 'reflect-metadata';
import { loadServiceConfigOrExit } from '../../shared/src/config/service-config.js';
import { runServices } from '../../shared/src/platform/run-services.js';
import { AppModule } from './app.module.js';
import { BILLING_VARIABLES, billingService } from './billing-service.js';

const config = loadServiceConfigOrExit(BILLING_VARIABLES);
await runServices('billing', config, [
  { name: 'billing', module: AppModule.forService(billingService(config)), port: config.port },
]);
