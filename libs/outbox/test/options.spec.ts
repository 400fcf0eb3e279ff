// OutboxModule options: defaults, and invalid options failing at startup with the option's name.
import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { OutboxConfigurationError, OutboxModule, type OutboxModuleOptions } from '@momentum/outbox';
import type { DataSource } from 'typeorm';
import { resolveOutboxOptions } from '../src/config/resolved-options.js';

describe('OutboxModule options', () => {
  it('defaults to an in-memory PGlite store in schema momentum, created at startup', () => {
    const options = resolveOutboxOptions({});
    expect(options).toMatchObject({
      database: { kind: 'pglite', dataDir: undefined },
      schema: 'momentum',
      autoCreate: true,
      notify: true,
      preparedStatements: true,
      relay: { enabled: true, batchSize: 500, maxAttempts: 10 },
      nodes: { mode: 'balanced', recoveryIntervalMs: 5_000 },
      inbox: { mode: 'transactional', batchSize: 500, keepHandledMs: 300_000, purgeBatchSize: 5_000 },
    });
  });

  it('does not create tables on a server unless asked (migrations are the way there)', () => {
    expect(resolveOutboxOptions({ url: 'postgres://localhost/app' })).toMatchObject({
      database: { kind: 'url', poolSize: 10, connectTimeoutMs: 5_000 },
      autoCreate: false,
    });
  });

  it.each<[OutboxModuleOptions, string, RegExp]>([
    [{ schema: 'Orders-Messaging' }, 'schema', /must match/],
    [{ url: 'mysql://localhost/app' }, 'url', /postgres/],
    [{ url: 'postgres://x/y', pglite: {} }, 'pglite', /cannot be combined with 'url'/],
    [
      { dataSource: { options: { type: 'mysql' } } as unknown as DataSource },
      'dataSource',
      /type 'postgres'/,
    ],
    [{ relay: { batchSize: 0 } }, 'relay.batchSize', /positive integer/],
    [{ relay: { maxAttempts: 1.5 } }, 'relay.maxAttempts', /positive integer/],
    [{ nodes: { mode: 'leaderless' as never } }, 'nodes.mode', /'balanced' or 'solo'/],
    [{ nodes: { heartbeatIntervalMs: 1_000, staleAfterMs: 1_500 } }, 'nodes.staleAfterMs', /twice/],
    [{ inbox: { keepHandledMs: -1 } }, 'inbox.keepHandledMs', /positive integer/],
    [{ inbox: { mode: 'eventual' as never } }, 'inbox.mode', /'transactional' or 'batched'/],
    [{ inbox: { batchSize: 0 } }, 'inbox.batchSize', /positive integer/],
    [{ nodes: { recoveryIntervalMs: 0 } }, 'nodes.recoveryIntervalMs', /positive integer/],
    [{ preparedStatements: 'yes' as never }, 'preparedStatements', /true or false/],
  ])('rejects %j naming %s', (options, option, problem) => {
    const error = (() => {
      try {
        resolveOutboxOptions(options);
      } catch (thrown) {
        return thrown as OutboxConfigurationError;
      }
      throw new Error('expected an OutboxConfigurationError');
    })();
    expect(error).toBeInstanceOf(OutboxConfigurationError);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(new RegExp(`^OutboxModule option '${option.replace('.', '\\.')}' `));
    expect(error.message).toMatch(problem);
  });

  it('fails the application at startup with the invalid option', async () => {
    await expect(
      Test.createTestingModule({ imports: [OutboxModule.forRoot({ schema: 'Bad Name' })] }).compile(),
    ).rejects.toThrow(/OutboxModule option 'schema' must match/);
  });

  it('refuses to run a relay without the bus', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OutboxModule.forRoot({ pglite: {} })],
    }).compile();
    moduleRef.useLogger(false);
    await expect(moduleRef.init()).rejects.toThrow(
      /OutboxModule option 'relay\.enabled' needs MessagingModule/,
    );
    await moduleRef.close();
  }, 30_000);
});
