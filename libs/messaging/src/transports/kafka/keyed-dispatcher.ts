import type { TenantSlots } from './tenant-slots.js';

/** What became of one item: `done` lets its key go on; `blocked` holds it and the key's later items back. */
export type KeyedOutcome = 'done' | 'blocked';

/** Something with an ordering key; `null` means no order to keep. */
export interface KeyedItem {
  readonly key: string | null;
}

/** A per-tenant limit on running items, shared with other dispatchers of the same consumer. */
export interface TenantLimit<T> {
  readonly slots: TenantSlots;
  readonly tenantOf: (item: T) => string | undefined;
}

/**
 * Runs the records of one partition: records with the same key one after another in offset order,
 * records of different keys concurrently, at most `limit` at a time. Free slots go to keys round
 * robin; with a {@link TenantLimit}, a key whose next record's tenant already runs as many records
 * as it may is passed over, so another tenant's keys go first. A record whose work reports
 * `blocked` (it failed and will be redelivered) holds back the rest of its key, so no later record
 * of that key overtakes it; other keys carry on. Records without a key have no order to keep. One
 * dispatcher runs one set of records once.
 */
export class KeyedDispatcher<T extends KeyedItem> {
  /** Items not started or not done, per lane (a key, or a lane of its own for a keyless item). */
  private readonly lanes = new Map<string, T[]>();
  /** Lanes whose next item may start, in the order they get a free slot. */
  private readonly ready: string[] = [];
  private running = 0;
  private stopped = false;
  private settle: ((notDone: T[]) => void) | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly work: (item: T) => Promise<KeyedOutcome>,
    private readonly tenants?: TenantLimit<T>,
  ) {}

  /**
   * Runs the items; resolves with those not done (not started, held back by a blocked key, or
   * blocked themselves), each key's in order. Items waiting only for a tenant slot that another
   * dispatcher holds keep it from resolving until the slot frees up.
   */
  run(items: readonly T[]): Promise<T[]> {
    items.forEach((item, index) => {
      const lane = item.key ?? `\u0000keyless-${index}`;
      const queued = this.lanes.get(lane);
      if (queued) queued.push(item);
      else this.lanes.set(lane, [item]);
    });
    this.ready.push(...this.lanes.keys());
    this.stopListening = this.tenants?.slots.onRelease(() => this.pump());
    return new Promise<T[]>((resolve) => {
      this.settle = resolve;
      this.pump();
    });
  }

  /** Starts nothing more; {@link run} resolves once the items already running have settled. */
  stop(): void {
    this.stopped = true;
    this.pump();
  }

  private pump(): void {
    for (let index = 0; !this.stopped && this.running < this.limit && index < this.ready.length;) {
      const lane = this.ready[index]!;
      const next = this.lanes.get(lane)![0]!;
      if (this.tenants?.slots.isFull(this.tenants.tenantOf(next))) {
        index += 1;
        continue;
      }
      this.ready.splice(index, 1);
      this.start(lane);
    }
    if (this.running === 0 && (this.stopped || this.ready.length === 0) && this.settle) {
      const settle = this.settle;
      this.settle = undefined;
      this.stopListening?.();
      settle([...this.lanes.values()].flat());
    }
  }

  private start(lane: string): void {
    const queued = this.lanes.get(lane)!;
    const item = queued.shift()!;
    const tenant = this.tenants?.tenantOf(item);
    this.running += 1;
    this.tenants?.slots.take(tenant);
    this.work(item).then(
      (outcome) => this.ended(lane, queued, item, tenant, outcome),
      () => this.ended(lane, queued, item, tenant, 'blocked'),
    );
  }

  private ended(lane: string, queued: T[], item: T, tenant: string | undefined, outcome: KeyedOutcome): void {
    this.running -= 1;
    if (outcome === 'blocked') queued.unshift(item);
    else if (queued.length === 0) this.lanes.delete(lane);
    else this.ready.push(lane);
    // Other dispatchers may be waiting for this tenant's slot.
    this.tenants?.slots.release(tenant);
    this.pump();
  }
}
