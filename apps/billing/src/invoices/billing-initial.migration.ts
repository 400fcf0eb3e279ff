import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The billing service's table, in the DataSource's schema. No unique key on `order_id`: the inbox is
 * what keeps an order from being invoiced twice, and the sample's tests count invoices to prove it.
 */
export class BillingInitial1764300000000 implements MigrationInterface {
  readonly name = 'BillingInitial1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = runner.connection.driver.schema!;
    await runner.query(`CREATE TABLE "${schema}".invoices (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      order_id uuid NOT NULL,
      customer_id uuid NOT NULL,
      amount numeric(12, 2) NOT NULL,
      status text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query(`CREATE INDEX invoices_tenant_order ON "${schema}".invoices (tenant_id, order_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${runner.connection.driver.schema!}".invoices`);
  }
}
