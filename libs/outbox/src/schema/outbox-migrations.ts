import type { MigrationInterface, QueryRunner } from 'typeorm';
import { storeDdl, storeDropDdl } from './store-ddl.js';
import { StoreTables } from './store-tables.js';

/** Timestamp of the first store migration (TypeORM orders migrations by the 13-digit suffix of their name). */
const INITIAL = 1764288000000;

/** A migration class as TypeORM's `migrations` option takes it. */
export type OutboxMigration = new () => MigrationInterface;

/**
 * The store's TypeORM migrations for `schema` (default `momentum`), oldest first. Add them to your
 * DataSource's `migrations` and run them with your other migrations:
 *
 * ```ts
 * new DataSource({ type: 'postgres', url, migrations: [...createOutboxMigrations({ schema: 'orders_messaging' }), ...mine] })
 * ```
 *
 * The schema is part of each migration's name, so stores in several schemas of one database migrate independently.
 */
export function createOutboxMigrations(options: { readonly schema?: string } = {}): OutboxMigration[] {
  const tables = new StoreTables(options.schema ?? 'momentum');
  const name = `MomentumOutboxInitial${pascal(tables.schemaName)}${INITIAL}`;
  class InitialStore implements MigrationInterface {
    readonly name = name;
    async up(queryRunner: QueryRunner): Promise<void> {
      for (const statement of storeDdl(tables)) await queryRunner.query(statement);
    }
    async down(queryRunner: QueryRunner): Promise<void> {
      for (const statement of storeDropDdl(tables)) await queryRunner.query(statement);
    }
  }
  Object.defineProperty(InitialStore, 'name', { value: name });
  return [InitialStore];
}

function pascal(schema: string): string {
  return schema
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
