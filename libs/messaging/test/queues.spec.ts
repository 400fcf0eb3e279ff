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
});
