import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The orders service's tables, in the DataSource's schema. */
export class OrdersInitial1764300000000 implements MigrationInterface {
  readonly name = 'OrdersInitial1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = runner.connection.driver.schema!;
    await runner.query(`CREATE TABLE "${schema}".orders (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      customer_id uuid NOT NULL,
      items jsonb NOT NULL,
      total_amount numeric(18, 2) NOT NULL,
      status text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query(`CREATE INDEX orders_tenant_status ON "${schema}".orders (tenant_id, status)`);
    await runner.query(`CREATE TABLE "${schema}".order_status_history (
      message_id text PRIMARY KEY,
      order_id uuid NOT NULL,
      tenant_id uuid NOT NULL,
      status text NOT NULL,
      changed_at timestamptz NOT NULL)`);
    await runner.query(
      `CREATE INDEX order_status_history_order ON "${schema}".order_status_history (order_id, changed_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = runner.connection.driver.schema!;
    await runner.query(`DROP TABLE "${schema}".order_status_history`);
    await runner.query(`DROP TABLE "${schema}".orders`);
  }
}
