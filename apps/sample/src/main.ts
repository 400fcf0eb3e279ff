import 'reflect-metadata';
import { AppModule as BillingModule } from '../../billing/src/app.module.js';
import { BILLING_VARIABLES, billingService } from '../../billing/src/billing-service.js';
import { AppModule as OrdersModule } from '../../orders/src/app.module.js';
import { ORDERS_VARIABLES, ordersService } from '../../orders/src/orders-service.js';
import { loadServiceConfigOrExit } from '../../shared/src/config/service-config.js';
import { runServices } from '../../shared/src/platform/run-services.js';

// Both services in one process (`npm start`): each its own Nest application, database schema and
// consumer groups, talking through the in-memory broker, or through Kafka when KAFKA_BROKERS is set.
const orders = loadServiceConfigOrExit(ORDERS_VARIABLES);
const billing = loadServiceConfigOrExit(BILLING_VARIABLES);
await runServices('sample', orders, [
  { name: 'orders', module: OrdersModule.forService(ordersService(orders)), port: orders.port },
  { name: 'billing', module: BillingModule.forService(billingService(billing)), port: billing.port },
]);
