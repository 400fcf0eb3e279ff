import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  HeaderTenantResolver,
  InMemoryAuditSink,
  InvalidTenantIdError,
  MissingTenantError,
  TenancyConfigurationError,
  TenancyModule,
  TenantContext,
  type TenancyModuleOptions,
} from '@momentum/tenancy';
import { TENANT_A, TENANT_B } from './support/tenancy-app.js';

/** A feature module that does not import TenancyModule: it relies on it being global. */
@Injectable()
class FeatureService {
  constructor(readonly tenants: TenantContext) {}
}
@Module({ providers: [FeatureService], exports: [FeatureService] })
class FeatureModule {}

/** Configuration a `forRootAsync` factory injects: the prefix of valid tenant ids. */
const TENANT_FORMAT = Symbol('tenant-format');
@Module({ providers: [{ provide: TENANT_FORMAT, useValue: 't-' }], exports: [TENANT_FORMAT] })
class FormatModule {}

async function startWith(options: TenancyModuleOptions): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [TenancyModule.forRoot(options), FeatureModule],
  }).compile();
  return moduleRef.init();
}

describe('TenancyModule options', () => {
  const cases: [string, TenancyModuleOptions, string][] = [
    [
      'header',
      { header: 'x tenant' },
      `TenancyModule option 'header' must be a valid HTTP header name (got "x tenant")`,
    ],
    [
      'header with resolvers',
      { header: 'x-org', resolvers: [new HeaderTenantResolver()] },
      "TenancyModule option 'header' cannot be combined with resolvers; put a HeaderTenantResolver in resolvers instead",
    ],
    [
      'empty resolvers',
      { resolvers: [] },
      "TenancyModule option 'resolvers' must be a non-empty array of TenantResolvers",
    ],
    [
      'a resolver that is not one',
      { resolvers: [new HeaderTenantResolver(), {} as never] },
      "TenancyModule option 'resolvers[1]' is not a TenantResolver (description, resolve)",
    ],
    [
      'a global regex',
      { tenantIdFormat: /^[a-z]+$/g },
      "TenancyModule option 'tenantIdFormat' must not use the g or y flag (got /^[a-z]+$/g)",
    ],
    [
      'an unanchored regex',
      { tenantIdFormat: /[a-z]+/ },
      "TenancyModule option 'tenantIdFormat' must be anchored with ^ and $ (got /[a-z]+/)",
    ],
    [
      'a wildcard inside a topic',
      { topicAccess: { publish: ['app_domain.*.created'] } },
      `TenancyModule option 'topicAccess.publish[0]' must be a topic name of [A-Za-z0-9._-], optionally ending in * (got "app_domain.*.created")`,
    ],
    [
      'a malformed tenant in a rule',
      { topicAccess: { consume: ['a.b', { topic: 'app_domain.billing.*', tenants: [TENANT_A, 'acme'] }] } },
      `TenancyModule option 'topicAccess.consume[1].tenants[1]' must be a UUID (got "acme")`,
    ],
    [
      'an empty tenant list',
      { topicAccess: { consume: [{ topic: 'x.y', tenants: [] }] } },
      "TenancyModule option 'topicAccess.consume[0].tenants' must be a non-empty array of tenant ids",
    ],
    [
      'an audit without a sink',
      { audit: {} as never },
      "TenancyModule option 'audit.sink' must be an AuditSink (append, query)",
    ],
    [
      'a zero batch size',
      { audit: { sink: new InMemoryAuditSink(), batchSize: 0 } },
      "TenancyModule option 'audit.batchSize' must be a positive integer (got 0)",
    ],
  ];

  it.each(cases)('fails at startup naming the option: %s', async (_name, options, message) => {
    const started = startWith(options);
    await expect(started).rejects.toThrow(TenancyConfigurationError);
    await expect(startWith(options)).rejects.toThrow(message);
  });

  it('validates forRootAsync options too', async () => {
    const compiling = Test.createTestingModule({
      imports: [TenancyModule.forRootAsync({ useFactory: () => ({ tenantIdFormat: /x/y }) })],
    }).compile();
    await expect(compiling).rejects.toThrow(
      "TenancyModule option 'tenantIdFormat' must not use the g or y flag",
    );
  });

  it('starts from forRootAsync options built by an injected provider', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRootAsync({
          imports: [FormatModule],
          inject: [TENANT_FORMAT],
          useFactory: (prefix: string) => ({ tenantIdFormat: (id: string) => id.startsWith(prefix) }),
        }),
        FeatureModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      const tenants = app.get(FeatureService).tenants;
      expect(tenants.run('t-1', () => tenants.require())).toBe('t-1');
      expect(() => tenants.run(TENANT_A, () => 'ran')).toThrow(InvalidTenantIdError);
    } finally {
      await app.close();
    }
  });

  it('fails at startup when auditing without the message bus', async () => {
    await expect(startWith({ audit: { sink: new InMemoryAuditSink() } })).rejects.toThrow(
      "TenancyModule option 'audit' needs the message bus: import MessagingModule (global) in the application",
    );
  });
});

describe('TenantContext', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is global by default, so feature modules inject it without importing TenancyModule', async () => {
    app = await startWith({});
    expect(app.get(FeatureService).tenants).toBe(app.get(TenantContext));
  });

  it('holds the tenant across awaits, nests, and is empty outside run', async () => {
    app = await startWith({});
    const tenants = app.get(TenantContext);
    expect(tenants.current()).toBeUndefined();
    const seen = await tenants.run(TENANT_A, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const inner = await tenants.run(TENANT_B, async () => tenants.require());
      const none = tenants.runWithoutTenant(() => tenants.current());
      return [tenants.require(), inner, none];
    });
    expect(seen).toEqual([TENANT_A, TENANT_B, undefined]);
    expect(tenants.current()).toBeUndefined();
  });

  it('require() throws a MissingTenantError outside any tenant', async () => {
    app = await startWith({});
    const tenants = app.get(TenantContext);
    expect(() => tenants.require()).toThrow(MissingTenantError);
    expect(() => tenants.require()).toThrow(/^No tenant in the current context/);
  });

  it('run() refuses a malformed tenant id instead of holding it', async () => {
    app = await startWith({});
    const tenants = app.get(TenantContext);
    expect(() => tenants.run('not-a-uuid', () => 'ran')).toThrow(InvalidTenantIdError);
    expect(() => tenants.run('', () => 'ran')).toThrow(
      `Invalid tenant id "" from TenantContext.run: expected a UUID`,
    );
  });

  it('accepts ids of a configured format: a predicate', async () => {
    app = await startWith({ tenantIdFormat: (id) => id.startsWith('t-') });
    const tenants = app.get(TenantContext);
    expect(tenants.run('t-1', () => tenants.require())).toBe('t-1');
    expect(() => tenants.run(TENANT_A, () => 'ran')).toThrow(
      'expected an id accepted by the configured tenantIdFormat',
    );
  });
});
