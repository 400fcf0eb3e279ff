/** Options of {@link PartitionKey}. */
export interface PartitionKeyOptions {
  /** Position of this property in the composite key; properties are joined with `|` in this order. */
  readonly order?: number;
}

interface PartitionKeyPart {
  readonly property: string | symbol;
  readonly order: number;
}

const PARTITION_KEY_PARTS = Symbol.for('momentum:partition-key');

/** A message that computes its own partition key. */
export interface HasPartitionKey {
  getPartitionKey(): string;
}

/**
 * Marks a property as (part of) the message's partition key. Messages with the same key are
 * delivered in order; different keys may run in parallel.
 */
export function PartitionKey(options: PartitionKeyOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    const target = prototype.constructor;
    const parts =
      (Reflect.getOwnMetadata(PARTITION_KEY_PARTS, target) as PartitionKeyPart[] | undefined) ?? [];
    const part = { property, order: options.order ?? parts.length };
    Reflect.defineMetadata(PARTITION_KEY_PARTS, [...parts, part], target);
  };
}

function hasPartitionKeyMethod(message: object): message is HasPartitionKey {
  return typeof (message as Partial<HasPartitionKey>).getPartitionKey === 'function';
}

/**
 * The partition key a message declares: `getPartitionKey()`, else its `@PartitionKey()` properties
 * joined with `|` in order, else `undefined` (the bus then falls back to the tenant id).
 */
export function partitionKeyOf(message: object): string | undefined {
  if (hasPartitionKeyMethod(message)) return message.getPartitionKey();
  const parts = Reflect.getMetadata(PARTITION_KEY_PARTS, message.constructor) as
    PartitionKeyPart[] | undefined;
  if (!parts?.length) return undefined;
  const record = message as Record<string | symbol, unknown>;
  return [...parts]
    .sort((a, b) => a.order - b.order)
    .map((part) => String(record[part.property] ?? ''))
    .join('|');
}
