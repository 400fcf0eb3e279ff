/**
 * How many records of each tenant one consumer is handling, against a limit per tenant. Shared by
 * the consumer's partitions, so the limit holds over all of them; a partition waiting for a slot
 * its tenant holds elsewhere is told when one frees up. Records without a tenant are not counted.
 */
export class TenantSlots {
  private readonly running = new Map<string, number>();
  private readonly releaseListeners = new Set<() => void>();

  constructor(
    /** Records of one tenant that may run at once. */
    readonly limit: number,
  ) {}

  /** Whether `tenant` already runs as many records as it may. */
  isFull(tenant: string | undefined): boolean {
    return tenant !== undefined && (this.running.get(tenant) ?? 0) >= this.limit;
  }

  /** Notes that a record of `tenant` started. */
  take(tenant: string | undefined): void {
    if (tenant !== undefined) this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
  }

  /** Notes that a record of `tenant` ended, and tells the listeners. */
  release(tenant: string | undefined): void {
    if (tenant === undefined) return;
    const left = (this.running.get(tenant) ?? 1) - 1;
    if (left > 0) this.running.set(tenant, left);
    else this.running.delete(tenant);
    this.releaseListeners.forEach((listener) => listener());
  }

  /** Calls `listener` whenever a slot frees up; returns the function that stops it. */
  onRelease(listener: () => void): () => void {
    this.releaseListeners.add(listener);
    return () => this.releaseListeners.delete(listener);
  }
}
