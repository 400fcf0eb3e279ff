import 'reflect-metadata';
import { loadServiceConfigOrExit } from '../../shared/src/config/service-config.js';
import { runServices } from '../../shared/src/platform/run-services.js';
import { AppModule } from './app.module.js';
import { ORDERS_VARIABLES, ordersService } from './orders-service.js';

const config = loadServiceConfigOrExit(ORDERS_VARIABLES);
await runServices('orders', config, [
  { name: 'orders', module: AppModule.forService(ordersService(config)), port: config.port },
]);
