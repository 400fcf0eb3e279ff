import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventHandler,
  FailureActions,
  InMemoryBroker,
  InMemoryTransport,
  MessagingModule,
  NoRouteError,
  Result,
} from '@momentum/messaging';
import { TrackedSessionHandlerError, TrackedSessionTimeoutError, trackActivity } from '@momentum/testing';

class PlaceOrder {
  constructor(readonly orderId: string) {}
}
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
class ShipOrder {
  constructor(readonly orderId: string) {}
}
class AskPrice {
  constructor(readonly sku: string) {}
}
class Boom {
  constructor(readonly reason: string) {}
}
class Slow {
  constructor(readonly label: string) {}
}
class Unhandled {}

/** Released by the timeout test once it has asserted. */
let gate: { promise: Promise<void>; release: () => void };
function newGate(): void {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  gate = { promise, release };
}
newGate();

@Injectable()
class OrderHandlers {
  readonly shipped: string[] = [];

  @EventHandler()
  async place(command: PlaceOrder): Promise<OrderPlaced> {
    await sleep(20);
    return new OrderPlaced(command.orderId);
  }

  @EventHandler()
  async placed(event: OrderPlaced): Promise<ShipOrder> {
    await sleep(20);
    return new ShipOrder(event.orderId);
  }

  @EventHandler()
  async ship(command: ShipOrder): Promise<void> {
    await sleep(20);
    this.shipped.push(command.orderId);
  }

  @EventHandler()
  price(query: AskPrice): Result<number> {
    return Result.ok(query.sku.length * 10).cascade(new OrderPlaced(`priced-${query.sku}`));
  }

  @EventHandler()
  boom(message: Boom): void {
    throw new Error(`boom: ${message.reason}`);
  }

  @EventHandler()
  async slow(message: Slow): Promise<void> {
    await gate.promise;
    void message;
  }
}

/** A second handler of OrderPlaced, so one message has two executions. */
@Injectable()
class AuditHandlers {
  readonly seen: string[] = [];

  @EventHandler()
  audit(event: OrderPlaced): void {
    this.seen.push(event.orderId);
  }
}

describe('trackActivity', () => {
  let app: INestApplication | undefined;

  async function start(): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          serviceName: 'tracked',
          transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
          defaultFailureAction: FailureActions.deadLetter(),
        }),
      ],
      providers: [OrderHandlers, AuditHandlers],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  afterEach(async () => {
    gate.release();
    await app?.close();
    app = undefined;
    newGate();
  });

  it('waits for cascades across buffered local queues', async () => {
    const app = await start();
    const session = await trackActivity(app).publish(new PlaceOrder('o-1'));

    expect(app.get(OrderHandlers).shipped).toEqual(['o-1']);
    expect(session.succeeded.single(ShipOrder).orderId).toBe('o-1');
    expect(session.sent.single(OrderPlaced)).toEqual(new OrderPlaced('o-1'));
    expect(session.received.all(ShipOrder)).toEqual([new ShipOrder('o-1')]);
    expect(session.sent.records.map((record) => record.destination)).toEqual([
      'queue default',
      'queue default',
      'queue default',
    ]);
    // Causation chain: each cascaded message was caused by the previous one.
    const placeOrder = session.sent.envelopes[0]!;
    const placed = session.sent.envelopes[1]!;
    expect(placed.causationId).toBe(placeOrder.id);
    expect(placed.correlationId).toBe(placeOrder.correlationId);
    expect(session.failed.count).toBe(0);
    expect(session.records.every((record) => record.app === 'app 1')).toBe(true);
  });

  it('counts executions per handler but single() per message', async () => {
    const app = await start();
    const session = await trackActivity(app).publish(new OrderPlaced('o-2'));

    // OrderPlaced runs in two handlers: two executions, one message.
    expect(session.executed.records.filter((record) => record.envelope.type === 'OrderPlaced')).toHaveLength(
      2,
    );
    expect(session.executed.single(OrderPlaced).orderId).toBe('o-2');
    expect(session.executed.all(OrderPlaced)).toHaveLength(1);
    expect(new Set(session.succeeded.records.map((record) => record.handler))).toEqual(
      new Set(['OrderHandlers.placed', 'AuditHandlers.audit', 'OrderHandlers.ship']),
    );
    expect(app.get(AuditHandlers).seen).toEqual(['o-2']);
  });

  it('single() throws listing what was recorded when there are none or several', async () => {
    const app = await start();
    const session = await trackActivity(app).execute(async (bus) => {
      await bus.publish(new OrderPlaced('a'));
      await bus.publish(new OrderPlaced('b'));
    });

    expect(session.sent.all(OrderPlaced).map((event) => event.orderId)).toEqual(['a', 'b']);
    expect(() => session.sent.single(OrderPlaced)).toThrow(
      /Expected exactly one OrderPlaced message in sent, found 2/,
    );
    expect(() => session.deadLettered.single(OrderPlaced)).toThrow(
      /found none\.\nRecorded dead-lettered: none\./,
    );
    expect(() => session.sent.single(PlaceOrder)).toThrow(
      /Recorded sent \(4\):\n {2}- app 1 sent OrderPlaced#/,
    );
    expect(session.sent.all(PlaceOrder)).toEqual([]);
  });

  it('invoke returns the handler answer as result and waits for the cascade', async () => {
    const app = await start();
    const session = await trackActivity(app).invoke<Result<number>>(new AskPrice('abc'));

    expect(session.result.value).toBe(30);
    expect(session.sent.records[0]!.destination).toBe('invoke');
    expect(session.succeeded.single(ShipOrder).orderId).toBe('priced-abc');
    expect(app.get(OrderHandlers).shipped).toEqual(['priced-abc']);
  });

  it('records a publish without a route as no-handler', async () => {
    const app = await start();
    const session = await trackActivity(app).publish(new Unhandled());
    expect(session.noHandler.single(Unhandled)).toBeInstanceOf(Unhandled);
    expect(session.sent.count).toBe(0);
  });

  it('rejects with the error of an action that throws', async () => {
    const app = await start();
    await expect(trackActivity(app).send(new Unhandled())).rejects.toThrow(NoRouteError);
    await expect(trackActivity(app).execute(() => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
  });

  it('records scheduled messages without waiting for them', async () => {
    const app = await start();
    const session = await trackActivity(app).schedule(new PlaceOrder('later'), { delayMs: 60_000 });
    expect(session.scheduled.single(PlaceOrder).orderId).toBe('later');
    expect(session.executed.count).toBe(0);
  });

  it('fails on handler errors, naming handler, message and error, and keeps the session', async () => {
    const app = await start();
    const error = await trackActivity(app)
      .publish(new Boom('bad input'))
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    expect(error).toBeInstanceOf(TrackedSessionHandlerError);
    const handlerError = error as TrackedSessionHandlerError;
    expect(handlerError.message).toMatch(
      /^Handler OrderHandlers\.boom failed on Boom [\w-]+: boom: bad input/,
    );
    // The session waited for the failure to be handled completely (here: dead-lettered).
    expect(handlerError.session.deadLettered.single(Boom).reason).toBe('bad input');
    expect(handlerError.failures).toHaveLength(1);
    expect((handlerError.cause as Error).message).toBe('boom: bad input');
  });

  it('does not fail on handler errors when told so', async () => {
    const app = await start();
    const session = await trackActivity(app).doNotFailOnHandlerErrors().publish(new Boom('tolerated'));

    expect(session.failed.single(Boom).reason).toBe('tolerated');
    expect(session.failed.records[0]!.error?.message).toBe('boom: tolerated');
    expect(session.deadLettered.count).toBe(1);
  });

  it('times out listing the work still in flight and the records so far', async () => {
    const app = await start();
    const started = Date.now();
    const error = await trackActivity(app, { timeoutMs: 5_000 })
      .timeout(150)
      .publish(new Slow('stuck'))
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(TrackedSessionTimeoutError);
    const timeout = error as TrackedSessionTimeoutError;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2_000);
    expect(timeout.message).toContain('Tracked session timed out after 150 ms. Still in flight:');
    expect(timeout.message).toMatch(
      /app 1:\n {4}- queue default: Slow [\w-]+ → OrderHandlers\.slow \(running\)/,
    );
    expect(timeout.message).toMatch(/Recorded so far \(3\):\n {2}- app 1 sent Slow#\w+ at queue default/);
    expect(timeout.message).toMatch(
      /app 1 executed Slow#\w+ at default by OrderHandlers\.slow \(attempt 1\)/,
    );
    expect(timeout.inFlight[0]!.inFlight).toHaveLength(1);

    gate.release();
    // Once released, a new session on the same app is idle again.
    const after = await trackActivity(app).publish(new Unhandled());
    expect(after.noHandler.count).toBe(1);
  });

  it('times out while an invoke is still running', async () => {
    const app = await start();
    const moduleGate = gate;
    const failed = trackActivity(app).timeout(100).invoke(new Slow('invoked'));
    await expect(failed).rejects.toThrow(/the action itself had not returned[\s\S]*invoke Slow/);
    moduleGate.release();
  });

  it('validates the timeout', async () => {
    const app = await start();
    expect(() => trackActivity(app).timeout(0)).toThrow(RangeError);
    expect(() => trackActivity(app).alsoTrack(app)).toThrow(/already tracked/);
  });
});
