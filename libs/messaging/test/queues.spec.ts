import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { DomainEvent, EventHandler, Message, PartitionKey } from '@momentum/messaging';
import { deferred, startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

@DomainEvent()
class Step {
  @PartitionKey() readonly key: string;
  constructor(
    key: string,
    readonly seq: number,
    readonly delayMs = 0,
  ) {
    this.key = key;
  }
}

@DomainEvent()
class TenantWork {
  constructor(
    readonly tenantId: string,
    readonly seq: number,
  ) {}
}

@Injectable()
class TenantWorkHandler {
  readonly finished: string[] = [];
  readonly running = new Map<string, number>();
  readonly peak = new Map<string, number>();

  @EventHandler()
  async work(event: TenantWork): Promise<void> {
    const now = (this.running.get(event.tenantId) ?? 0) + 1;
    this.running.set(event.tenantId, now);
    this.peak.set(event.tenantId, Math.max(now, this.peak.get(event.tenantId) ?? 0));
    await new Promise((resolve) => setImmediate(resolve));
    this.running.set(event.tenantId, this.running.get(event.tenantId)! - 1);
    this.finished.push(`${event.tenantId}${event.seq}`);
  }
}

@Message({ type: 'inline-note' })
class InlineNote {
  constructor(readonly text: string) {}
}

@Injectable()
class StepHandler {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  running = 0;
  peak = 0;
  gate?: Promise<void>;

  @EventHandler()
  async step(event: Step): Promise<void> {
    this.started.push(`${event.key}${event.seq}`);
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await (this.gate ?? new Promise((resolve) => setTimeout(resolve, event.delayMs)));
    this.running--;
    this.finished.push(`${event.key}${event.seq}`);
  }

  @EventHandler({ queue: 'notes' })
  async note(note: InlineNote): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.finished.push(note.text);
  }
}

describe('local queues', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("inline mode runs the handler inside the publisher's await", async () => {
    harness = await startMessagingApp([StepHandler], { queues: { notes: { mode: 'inline' } } });
    await harness.bus.publish(new InlineNote('done before publish resolves'));
    expect(harness.app.get(StepHandler).finished).toEqual(['done before publish resolves']);
  });

  it('buffered mode returns before the handler runs and finishes it in the background', async () => {
    harness = await startMessagingApp([StepHandler], { queues: { notes: { mode: 'buffered' } } });
    await harness.bus.publish(new InlineNote('later'));
    expect(harness.app.get(StepHandler).finished).toEqual([]);
    await harness.waitFor(() => harness!.app.get(StepHandler).finished.includes('later'));
  });

  it('keeps per-key order while running different keys in parallel up to the configured parallelism', async () => {
    harness = await startMessagingApp([StepHandler], { queues: { 'domain-events': { parallelism: 3 } } });
    const handler = harness.app.get(StepHandler);
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let seq = 1; seq <= 4; seq++) {
      for (const key of keys)
        await harness.bus.publish(new Step(key, seq, 5 + ((seq * key.charCodeAt(0)) % 7)));
    }
    await harness.waitFor(() => handler.finished.length === 20, 5_000);
    for (const key of keys) {
      expect(handler.finished.filter((s) => s.startsWith(key))).toEqual(
        [1, 2, 3, 4].map((seq) => `${key}${seq}`),
      );
    }
    expect(handler.peak).toBe(3);
  });

  it('never runs two messages of one key at the same time', async () => {
    harness = await startMessagingApp([StepHandler], { queues: { 'domain-events': { parallelism: 4 } } });
    const handler = harness.app.get(StepHandler);
    for (let seq = 1; seq <= 5; seq++) await harness.bus.publish(new Step('same', seq, 3));
    await harness.waitFor(() => handler.finished.length === 5);
    expect(handler.peak).toBe(1);
    expect(handler.finished).toEqual(['same1', 'same2', 'same3', 'same4', 'same5']);
  });

  it('without per-key ordering, one key may use every slot', async () => {
    harness = await startMessagingApp([StepHandler], {
      queues: { 'domain-events': { parallelism: 4, orderedByKey: false } },
    });
    const handler = harness.app.get(StepHandler);
    for (let seq = 1; seq <= 4; seq++) await harness.bus.publish(new Step('same', seq, 30));
    await harness.waitFor(() => handler.finished.length === 4);
    expect(handler.peak).toBe(4);
  });

  it('applies back-pressure: publish waits while the buffer is at capacity', async () => {
    harness = await startMessagingApp([StepHandler], {
      queues: { 'domain-events': { parallelism: 1, capacity: 2 } },
    });
    const handler = harness.app.get(StepHandler);
    const gate = deferred();
    handler.gate = gate.promise;
    await harness.bus.publish(new Step('k1', 1));
    await harness.bus.publish(new Step('k2', 1));
    await harness.bus.publish(new Step('k3', 1));
    let fourthAccepted = false;
    const fourth = harness.bus.publish(new Step('k4', 1)).then(() => (fourthAccepted = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fourthAccepted).toBe(false);
    gate.resolve();
    await fourth;
    await harness.waitFor(() => handler.finished.length === 4);
  });

  it('drains queued work on shutdown', async () => {
    harness = await startMessagingApp([StepHandler]);
    const handler = harness.app.get(StepHandler);
    for (let seq = 1; seq <= 6; seq++) await harness.bus.publish(new Step(`k${seq}`, seq, 20));
    await harness.close();
    expect(handler.finished).toHaveLength(6);
    harness = undefined;
  });

  describe('fairness between tenants', () => {
    async function flood(options: Parameters<typeof startMessagingApp>[1]) {
      harness = await startMessagingApp([TenantWorkHandler], options);
      for (let seq = 1; seq <= 1_000; seq++) await harness.bus.publish(new TenantWork('A', seq));
      for (let seq = 1; seq <= 5; seq++) await harness.bus.publish(new TenantWork('B', seq));
      const handler = harness.app.get(TenantWorkHandler);
      await harness.waitFor(() => handler.finished.length === 1_005, 20_000);
      return handler;
    }

    it("finishes a quiet tenant's few messages long before a flooding tenant's backlog drains", async () => {
      const handler = await flood({ queues: { 'domain-events': { parallelism: 4, capacity: 2_000 } } });
      const lastOfB = handler.finished.indexOf('B5');
      expect(handler.finished.filter((entry) => entry.startsWith('B'))).toEqual([
        'B1',
        'B2',
        'B3',
        'B4',
        'B5',
      ]);
      expect(lastOfB).toBeLessThan(100);
      expect(handler.finished.at(-1)).toBe('A1000');
    });

    it('caps the slots one tenant holds when messages are not ordered by key', async () => {
      const handler = await flood({
        queues: {
          'domain-events': {
            parallelism: 4,
            capacity: 2_000,
            orderedByKey: false,
            maxConcurrentPerTenant: 2,
          },
        },
      });
      expect(handler.peak.get('A')).toBe(2);
      expect(handler.finished.indexOf('B5')).toBeLessThan(100);
    });

    it('rejects a per-tenant limit that is not a positive integer, naming the option', async () => {
      await expect(
        startMessagingApp([], { queues: { work: { maxConcurrentPerTenant: 0 } } }),
      ).rejects.toThrow(/option 'queues\.work\.maxConcurrentPerTenant' must be a positive integer/);
    });
  });
});
