import type { EntityManager } from 'typeorm';

/**
 * Runs one statement and returns its rows. TypeORM's postgres driver returns `[rows, count]` for
 * UPDATE and DELETE; this evens that out so every statement reads the same.
 */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<T[]> {
  const raw: unknown = await manager.query(sql, [...parameters]);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number')
    return raw[0] as T[];
  return (raw ?? []) as T[];
}

/** `schema` quoted as an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
