import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql.js';
import type { StoreTables } from '../schema/store-tables.js';

/** SQL over the `nodes` table (the node registry). */
export class NodeTable {
  constructor(private readonly t: StoreTables) {}

  /** Registers a node and returns its number. */
  async register(manager: EntityManager, name: string): Promise<number> {
    const [row] = await queryRows<{ id: number }>(
      manager,
      `INSERT INTO ${this.t.nodes} (name) VALUES ($1) RETURNING id`,
      [name],
    );
    return row!.id;
  }

  /** Records that node `id` is alive, registering it again if it had been ejected. */
  async heartbeat(manager: EntityManager, id: number, name: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.t.nodes} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [id, name],
    );
  }

  /** Removes nodes silent for more than `staleAfterMs`; returns their numbers. */
  async ejectStale(manager: EntityManager, staleAfterMs: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      manager,
      `DELETE FROM ${this.t.nodes} WHERE heartbeat_at < now() - $1::int * interval '1 millisecond' RETURNING id`,
      [staleAfterMs],
    );
    return rows.map((row) => row.id);
  }

  async remove(manager: EntityManager, id: number): Promise<void> {
    await manager.query(`DELETE FROM ${this.t.nodes} WHERE id = $1`, [id]);
  }
}
