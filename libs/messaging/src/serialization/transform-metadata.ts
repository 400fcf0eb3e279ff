import { Type } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';

/** The registries of class-transformer's storage, by the class a decorator was declared on. */
type Registries = readonly ReadonlyMap<unknown, unknown>[];

const REGISTRIES = ['_typeMetadatas', '_transformMetadatas', '_exposeMetadatas', '_excludeMetadatas'];

/** Answers per class, computed once: decorators run when a class is defined, never later. */
const known = new WeakMap<object, boolean>();
/** The storage's registries, if they are where this module reads them and the decorators write there. */
const registries = readableRegistries();

/**
 * Whether class-transformer has any decorator metadata (`@Type`, `@Transform`, `@Expose`,
 * `@Exclude`) for `target` or a class it extends, i.e. whether `plainToInstance` may do more with
 * it than copy JSON values. Answers `true` whenever that cannot be told for sure (another version
 * of class-transformer, or a storage other than the one its decorators write to).
 */
export function declaresTransformMetadata(target: abstract new (...args: never[]) => object): boolean {
  let answer = known.get(target);
  if (answer === undefined) {
    answer = registries === undefined || inClassChain(target, registries);
    known.set(target, answer);
  }
  return answer;
}

function readableRegistries(): Registries | undefined {
  const storage = defaultMetadataStorage as unknown as Record<string, unknown>;
  const found = REGISTRIES.map((name) => storage[name]);
  if (!found.every((registry) => registry instanceof Map)) return undefined;
  class Probe {}
  Type(() => Date)(Probe.prototype, 'at');
  return inClassChain(Probe, found as Registries) ? (found as Registries) : undefined;
}

/** Whether the class or one of its ancestors is in a registry, walking them as class-transformer does. */
function inClassChain(target: abstract new (...args: never[]) => object, registries: Registries): boolean {
  type Constructor = { readonly prototype?: { readonly constructor: object } };
  for (
    let current = target as Constructor;
    current.prototype !== undefined;
    current = Object.getPrototypeOf(current.prototype.constructor) as Constructor
  ) {
    if (registries.some((registry) => registry.has(current))) return true;
  }
  return false;
}
