import type { INestApplicationContext } from '@nestjs/common';
import { ActivityTracker, MessageBus, type PublishOptions, type ScheduleOptions } from '@momentum/messaging';
import { TrackedSessionHandlerError, TrackedSessionTimeoutError, type InFlightReport } from './errors.js';
import type { TrackedRecord } from './record-collection.js';
import { TrackedSession } from './tracked-session.js';

/** How long a tracked session waits for all work to finish unless told otherwise: 5 s. */
export const DEFAULT_TRACKED_SESSION_TIMEOUT_MS = 5_000;

/** How often idleness is re-checked while no record arrives. */
const POLL_MS = 5;

/** Options of {@link trackActivity}. */
export interface TrackActivityOptions {
  /** How long the session may take, action included; {@link DEFAULT_TRACKED_SESSION_TIMEOUT_MS} by default. */
  readonly timeoutMs?: number;
  /** The app's label in records and error messages; `app 1` by default. */
  readonly name?: string;
}

interface TrackedApp {
  readonly app: INestApplicationContext;
  readonly label: string;
}

/**
 * Starts describing a tracked session on `app` (a Nest application or application context that
 * imports `MessagingModule`). Configure it, then run one action:
 *
 * ```ts
 * const session = await trackActivity(app).invoke(new PlaceOrder('o-1'));
 * expect(session.succeeded.single(OrderPlaced).orderId).toBe('o-1');
 * ```
 *
 * The action runs through `app`'s `MessageBus`; the session resolves once every tracked app is idle
 * (no queued, running or undelivered work), rejects with a {@link TrackedSessionTimeoutError} when
 * that takes longer than the timeout, and with a {@link TrackedSessionHandlerError} when a handler
 * failed.
 */
export function trackActivity(
  app: INestApplicationContext,
  options: TrackActivityOptions = {},
): TrackedSessionBuilder {
  return new TrackedSessionBuilder(app, options);
}

/**
 * Configures a tracked session and runs its action. Each action method starts a new session, so a
 * builder may be reused for several actions in turn.
 *
 * What "finished" means: the session subscribes to every tracked app's `ActivityTracker` before
 * the action, awaits the action, then waits until `ActivityTracker.inFlight()` is empty in every
 * tracked app and stays empty, with no new record, across a few event-loop turns. Idleness is
 * re-checked on every record and by short polling. Scheduled messages are recorded as `scheduled`
 * but not waited for.
 */
export class TrackedSessionBuilder {
  private readonly apps: TrackedApp[];
  private timeoutMs: number;
  private failOnHandlerErrors = true;

  /** Prefer {@link trackActivity}. */
  constructor(app: INestApplicationContext, options: TrackActivityOptions = {}) {
    this.apps = [{ app, label: options.name ?? 'app 1' }];
    this.timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TRACKED_SESSION_TIMEOUT_MS);
  }

  /**
   * Also waits for, and records, the work of `other`: another app in this process, e.g. a second
   * service sharing an `InMemoryBroker`. Its records are labelled `name` (`app 2`, `app 3`, … by
   * default).
   */
  alsoTrack(other: INestApplicationContext, name?: string): this {
    if (this.apps.some(({ app }) => app === other))
      throw new Error('trackActivity: this app is already tracked');
    this.apps.push({ app: other, label: name ?? `app ${this.apps.length + 1}` });
    return this;
  }

  /** Sets how long the session may take, the action included. */
  timeout(ms: number): this {
    this.timeoutMs = checkTimeout(ms);
    return this;
  }

  /**
   * Lets the session succeed although handlers failed (their `failed`, `dead-lettered` records stay
   * in the session), e.g. to assert on error handling. An action that throws still rejects.
   */
  doNotFailOnHandlerErrors(): this {
    this.failOnHandlerErrors = false;
    return this;
  }

  /**
   * `MessageBus.invoke`s `message` and waits for its cascades; the handler's answer is the
   * session's `result`. A handler that still fails after its retries makes `invoke`, and so the
   * session, reject with the handler's error.
   */
  invoke<T = unknown>(message: object, options?: PublishOptions): Promise<TrackedSession<T>> {
    return this.run((bus) => bus.invoke<T>(message, options));
  }

  /** `MessageBus.publish`es `message` to every route and waits for everything that follows. */
  publish(message: object, options?: PublishOptions): Promise<TrackedSession<void>> {
    return this.run((bus) => bus.publish(message, options));
  }

  /** `MessageBus.send`s `message` to its single route and waits; rejects with the bus's error when it has none or several. */
  send(message: object, options?: PublishOptions): Promise<TrackedSession<void>> {
    return this.run((bus) => bus.send(message, options));
  }

  /**
   * `MessageBus.schedule`s `message`. The session records it as `scheduled` and finishes without
   * waiting for it to become due.
   */
  schedule(message: object, options: ScheduleOptions): Promise<TrackedSession<void>> {
    return this.run((bus) => bus.schedule(message, options));
  }

  /**
   * Runs `action` with the first app's `MessageBus` (or anything else, e.g. an HTTP call into the
   * app) and waits for all work it caused; what it returns is the session's `result`.
   */
  execute<T>(action: (bus: MessageBus) => Promise<T> | T): Promise<TrackedSession<T>> {
    return this.run(action);
  }

  private async run<T>(action: (bus: MessageBus) => Promise<T> | T): Promise<TrackedSession<T>> {
    const trackers = this.apps.map(({ app, label }) => ({
      label,
      tracker: lookUp(app, label, ActivityTracker),
    }));
    const bus = lookUp(this.apps[0]!.app, this.apps[0]!.label, MessageBus);
    const timeoutMs = this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const records: TrackedRecord[] = [];
    let wake: (() => void) | undefined;
    const unsubscribes = trackers.map(({ label, tracker }) =>
      tracker.subscribe((record) => {
        records.push({ ...record, app: label });
        wake?.();
      }),
    );
    const inFlight = (): InFlightReport[] =>
      trackers.map(({ label, tracker }) => ({ app: label, inFlight: tracker.inFlight() }));
    const idle = (): boolean => trackers.every(({ tracker }) => tracker.inFlight().length === 0);
    const timedOut = (actionPending: boolean) =>
      new TrackedSessionTimeoutError(timeoutMs, inFlight(), [...records], actionPending);

    try {
      const result = await withDeadline(
        Promise.resolve().then(() => action(bus)),
        deadline,
        () => timedOut(true),
      );
      for (;;) {
        if (Date.now() >= deadline) throw timedOut(false);
        if (idle()) {
          const seen = records.length;
          await settleTurns();
          if (records.length === seen && idle()) break;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      const session = new TrackedSession<T>(records, result);
      if (this.failOnHandlerErrors && session.failed.count > 0) throw new TrackedSessionHandlerError(session);
      return session;
    } finally {
      unsubscribes.forEach((unsubscribe) => unsubscribe());
    }
  }
}

function checkTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new RangeError(`trackActivity: the timeout must be a positive number of ms, got ${ms}`);
  return ms;
}

function lookUp<T>(
  app: INestApplicationContext,
  label: string,
  token: abstract new (...args: never[]) => T,
): T {
  try {
    return app.get(token as unknown as new () => T, { strict: false });
  } catch (error) {
    throw new Error(`trackActivity: ${label} has no ${token.name}; does it import MessagingModule?`, {
      cause: error,
    });
  }
}

/** Resolves with `work`, or rejects with `onTimeout()` at `deadline`; a late rejection of `work` is swallowed. */
async function withDeadline<T>(work: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets a few event-loop turns pass (immediates and timers), so work scheduled "soon" shows up. */
async function settleTurns(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
