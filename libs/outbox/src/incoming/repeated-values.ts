/** A column of values sent as its distinct values and, per row, the (1-based) position of its value. */
export interface RepeatedValues {
  readonly distinct: (string | null)[];
  readonly positions: number[];
}

/**
 * Encodes a column whose values repeat (the consumer, the message type and the tenant of a batch
 * of claims are mostly one value each): a statement then carries each value once instead of once
 * per row, which on a batch of hundreds is most of its size. SQL reads a row's value back as
 * `($distinct::text[])[position]`.
 */
export function repeatedValues(values: readonly (string | null)[]): RepeatedValues {
  const distinct: (string | null)[] = [];
  const index = new Map<string | null, number>();
  const positions = values.map((value) => {
    let position = index.get(value);
    if (position === undefined) {
      position = distinct.push(value);
      index.set(value, position);
    }
    return position;
  });
  return { distinct, positions };
}
