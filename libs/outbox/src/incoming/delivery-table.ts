/**
 * Values by consumer and message id, in two levels: a delivery is looked up with the strings it
 * already has, instead of a key string built (and hashed) per lookup.
 */
export class DeliveryTable<T> {
  private readonly byConsumer = new Map<string, Map<string, T>>();

  get(consumer: string, id: string): T | undefined {
    return this.byConsumer.get(consumer)?.get(id);
  }

  set(consumer: string, id: string, value: T): void {
    let byId = this.byConsumer.get(consumer);
    if (!byId) this.byConsumer.set(consumer, (byId = new Map()));
    byId.set(id, value);
  }

  /** Removes the value of (`consumer`, `id`) and returns it. */
  take(consumer: string, id: string): T | undefined {
    const byId = this.byConsumer.get(consumer);
    const value = byId?.get(id);
    if (value !== undefined) byId!.delete(id);
    return value;
  }

  /** Removes the value of (`consumer`, `id`) if it is still `value`. */
  deleteIf(consumer: string, id: string, value: T): void {
    const byId = this.byConsumer.get(consumer);
    if (byId?.get(id) === value) byId.delete(id);
  }

  values(): T[] {
    return [...this.byConsumer.values()].flatMap((byId) => [...byId.values()]);
  }
}
