/**
 * Partition keys hash into this many buckets. A relay claims the rows of a key only while it holds
 * the key's bucket (an advisory lock held by its batch transaction), so relays never claim rows of
 * the same key at once: one relay's claim cannot leave another's rows of that key out of order.
 */
export const KEY_BUCKETS = 64;

/** Every bucket. */
export const ALL_BUCKETS: readonly number[] = Array.from({ length: KEY_BUCKETS }, (_, bucket) => bucket);
const HALVES: readonly (readonly number[])[] = [
  ALL_BUCKETS.slice(0, KEY_BUCKETS / 2),
  ALL_BUCKETS.slice(KEY_BUCKETS / 2),
];

/**
 * The buckets a relay asks for in its next claim. While rows are few it asks for all of them (it
 * gets those no other relay holds). Under a backlog (its last claim came back full) it asks for one
 * half at a time, alternating, so a second relay can hold the other half and send in parallel
 * instead of every relay locking every key; a half that is not full is followed at once by a claim
 * of all buckets, so a lone relay never idles while rows wait in the half it did not ask for.
 */
export class BucketRotation {
  private backlog = false;
  private half = Math.random() < 0.5 ? 0 : 1;

  /** The buckets to ask for now. */
  next(): readonly number[] {
    return this.backlog ? HALVES[this.half]! : ALL_BUCKETS;
  }

  /** Records whether the claim just made came back full; returns whether to claim again at once. */
  claimed(full: boolean): boolean {
    const askedHalf = this.backlog;
    this.backlog = full;
    if (full) this.half = 1 - this.half;
    return askedHalf && !full;
  }
}
