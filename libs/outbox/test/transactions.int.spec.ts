// Which transactions messages enlist in: the module's own (outbox.transaction), an EntityManager
// passed explicitly (outbox.withManager), and @nestjs-cls/transactional's TransactionHost.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import type { OutboxTestApp } from './support/outbox-app.js';
import { eventually } from './support/eventually.js';
import { databaseUrl } from './support/postgres.js';
import { suiteApps } from './support/suite-apps.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';
import { orderIdOf } from './support/flaky-transport.js';

describe('transactions messages enlist in', () => {
  const url = databaseUrl();
  const apps = suiteApps();
  let app: OutboxTestApp | undefined;

  const fresh = () => apps.schema('tx');
  const start = async () => {
    app = await apps.start({
      outbox: {
        url,
        schema: fresh(),
        autoCreate: true,
        nodes: { mode: 'solo' },
        relay: { pollIntervalMs: 100 },
      },
    });
    return app;
  };
  const sent = () => app!.broker.records(ORDER_PLACED).map(orderIdOf).sort();

  it('an explicit EntityManager: commit sends, rollback does not; outside a transaction it is refused', async () => {
    const { outbox, bus } = await start();
    await outbox.dataSource.transaction((manager) =>
      outbox.withManager(manager, () => bus.publish(new OrderPlaced('manager-commit'))),
    );
    await expect(
      outbox.dataSource.transaction((manager) =>
        outbox.withManager(manager, async () => {
          await bus.publish(new OrderPlaced('manager-rollback'));
          throw new Error('rolled back');
        }),
      ),
    ).rejects.toThrow('rolled back');
    expect(() => outbox.withManager(outbox.dataSource.manager, async () => undefined)).toThrow(
      /not in a transaction/,
    );
    await eventually(() => sent().length === 1, 'the committed message');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent()).toEqual(['manager-commit']);
  }, 30_000);

  it('nested outbox.transaction calls join the outer transaction', async () => {
    const { outbox, bus } = await start();
    await expect(
      outbox.transaction(async () => {
        await outbox.transaction(() => bus.publish(new OrderPlaced('inner')));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    await outbox.transaction(async () => {
      await outbox.transaction(() => bus.publish(new OrderPlaced('inner-committed')));
    });
    await eventually(() => sent().length === 1, 'the committed message');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent()).toEqual(['inner-committed']);
  }, 30_000);

  it('@nestjs-cls/transactional: messages published in a @Transactional() method follow its outcome', async () => {
    // In a child process: Jest 30's ESM mode cannot load nestjs-cls (CommonJS) with Nest 12 (ESM).
    const hooks = fileURLToPath(new URL('./support/ts-hooks.mjs', import.meta.url));
    const script = fileURLToPath(new URL('./support/transaction-host-process.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', hooks, '--disable-warning=ExperimentalWarning', script],
      {
        env: { ...process.env, OUTBOX_SCHEMA: fresh() },
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      sent: ['cls-commit'],
      rollback: 'rejected',
    });
  }, 60_000);
});
