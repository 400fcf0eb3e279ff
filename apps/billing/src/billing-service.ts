import type { ServiceConfig, ServiceVariables } from '../../shared/src/config/service-config.js';
import type { ServicePlatformOptions } from '../../shared/src/platform/service-platform-options.js';
import { BillingInitial1764300000000 } from './invoices/billing-initial.migration.js';
import { Invoice } from './invoices/invoice.entity.js';

/** The billing service's own variables: `BILLING_PORT` (3001) and `BILLING_DB_SCHEMA` (`billing`). */
export const BILLING_VARIABLES: ServiceVariables = {
  port: ['BILLING_PORT', 3001],
  schema: ['BILLING_DB_SCHEMA', 'billing'],
};

/** The billing service's platform options: its table and the topics it may use. */
export function billingService(config: ServiceConfig): ServicePlatformOptions {
  return {
    serviceName: 'billing',
    config,
    schema: { schema: config.schema, entities: [Invoice], migrations: [BillingInitial1764300000000] },
    topicAccess: {
      publish: ['app_domain.billing.*'],
      consume: ['app_domain.orders.*'],
    },
  };
}
