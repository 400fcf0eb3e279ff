import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import {
  DomainEvent,
  EventHandler,
  MessageContext,
  TenantMismatchError,
  type AmbientTenant,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

@DomainEvent()
class TenantEvent {
  constructor(readonly tenantId?: string) {}
}
@DomainEvent()
class Anonymous {}
@DomainEvent()
class ForeignCascade {
  constructor(readonly tenantId: string) {}
}

@Injectable()
class TenantHandlers {
  readonly tenants: (string | undefined)[] = [];
  @EventHandler()
  anonymous(_event: Anonymous, context: MessageContext): TenantEvent {
    this.tenants.push(context.tenantId);
    return new TenantEvent();
  }
  @EventHandler()
  tenantEvent(_event: TenantEvent, context: MessageContext): void {
    this.tenants.push(context.tenantId);
  }
  @EventHandler()
  foreign(event: ForeignCascade, context: MessageContext): Promise<void> {
    return context.bus.publish(new TenantEvent(event.tenantId === 'a' ? 'b' : 'a'));
  }
}

const storage = new AsyncLocalStorage<string>();
const ambientTenant: AmbientTenant = { current: () => storage.getStore() };

describe('tenant propagation in the bus', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('takes the ambient tenant when the message and options name none, and carries it into cascades', async () => {
    harness = await startMessagingApp([TenantHandlers], { ambientTenant });
    const session = await storage.run('tenant-7', () => trackActivity(harness!.app).publish(new Anonymous()));
    expect(harness.app.get(TenantHandlers).tenants).toEqual(['tenant-7', 'tenant-7']);
    expect(session.sent.records.map((r) => r.envelope.tenantId)).toEqual(['tenant-7', 'tenant-7']);
    expect(session.sent.records.map((r) => r.envelope.partitionKey)).toEqual(['tenant-7', 'tenant-7']);
  });

  it('refuses a message whose tenant disagrees with the ambient tenant, naming both', async () => {
    harness = await startMessagingApp([TenantHandlers], { ambientTenant });
    const refused = storage.run('tenant-a', () => harness!.bus.publish(new TenantEvent('tenant-b')));
    await expect(refused).rejects.toThrow(TenantMismatchError);
    await expect(
      storage.run('tenant-a', () => harness!.bus.publish(new TenantEvent('tenant-b'))),
    ).rejects.toThrow("TenantEvent carries tenant 'tenant-b' but is published for tenant 'tenant-a'");
    await expect(harness.bus.publish(new TenantEvent('tenant-b'), { tenantId: 'tenant-c' })).rejects.toThrow(
      /tenant 'tenant-b' .* tenant 'tenant-c'/,
    );
  });

  it('refuses a cascade into another tenant from inside a handler', async () => {
    harness = await startMessagingApp([TenantHandlers]);
    const session = await trackActivity(harness.app)
      .doNotFailOnHandlerErrors()
      .publish(new ForeignCascade('a'));
    expect(session.deadLettered.single(ForeignCascade).tenantId).toBe('a');
    expect(session.failed.records.map((r) => r.error)).toEqual([expect.any(TenantMismatchError)]);
  });
});
