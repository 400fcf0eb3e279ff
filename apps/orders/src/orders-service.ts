import type { ServiceConfig, ServiceVariables } from '../../shared/src/config/service-config.js';
import type { ServicePlatformOptions } from '../../shared/src/platform/service-platform-options.js';
import { Order } from './orders/order.entity.js';
import { OrderStatusEntry } from './orders/order-status-entry.entity.js';
import { OrdersInitial1764300000000 } from './orders/orders-initial.migration.js';

/** The orders service's own variables: `ORDERS_PORT` (3000) and `ORDERS_DB_SCHEMA` (`orders`). */
export const ORDERS_VARIABLES: ServiceVariables = {
  port: ['ORDERS_PORT', 3000],
  schema: ['ORDERS_DB_SCHEMA', 'orders'],
};

/** The orders service's platform options: its tables and the topics it may use. */
export function ordersService(config: ServiceConfig): ServicePlatformOptions {
  return {
    serviceName: 'orders',
    config,
    schema: {
      schema: config.schema,
      entities: [Order, OrderStatusEntry],
      migrations: [OrdersInitial1764300000000],
    },
    topicAccess: {
      publish: ['app_domain.orders.*'],
      consume: ['app_domain.billing.*'],
    },
  };
}
