import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { declaresTransformMetadata } from './transform-metadata.js';

/**
 * `data` (parsed JSON) as an instance of `messageClass`, exactly as class-transformer's
 * `plainToInstance` makes it. When the class declares no class-transformer metadata and `data` holds
 * nothing but JSON values, that is a deep copy into `new messageClass()`, done here directly: it
 * costs a fraction of class-transformer's generic walk, which looks metadata up for every property.
 */
export function toMessageInstance<T extends object>(messageClass: ClassConstructor<T>, data: object): T {
  if (declaresTransformMetadata(messageClass) || !isJsonObject(data))
    return plainToInstance(messageClass, data);
  return copyProperties(new messageClass(), data);
}

/**
 * Copies `source`'s properties onto `target` as class-transformer does: a property the target's
 * class defines as a method or read-only accessor, or whose value on the target is a function, is
 * left alone.
 */
function copyProperties<T extends object>(target: T, source: object): T {
  const prototype = (target.constructor as { prototype?: object }).prototype;
  const values = source as Record<string, unknown>;
  const into = target as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || (prototype && isShadowed(into, prototype, key)))
      continue;
    into[key] = copyValue(values[key]);
  }
  return target;
}

function isShadowed(target: Record<string, unknown>, prototype: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  return (descriptor !== undefined && !descriptor.set) || target[key] instanceof Function;
}

function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  return typeof value === 'object' && value !== null ? copyProperties({}, value) : value;
}

/**
 * Whether `value` is a JSON object, with JSON values only, so that class-transformer would treat
 * every object in it as a plain object: no other prototypes, no own `constructor` property (it
 * would take that as the class to build), no gaps in arrays.
 */
function isJsonObject(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, 'constructor')) return false;
  return Object.values(value).every(isJsonValue);
}

function isJsonValue(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      return Array.isArray(value) ? isJsonArray(value) : isJsonObject(value);
    default:
      return false;
  }
}

function isJsonArray(value: readonly unknown[]): boolean {
  if (Object.getPrototypeOf(value) !== Array.prototype) return false;
  for (let index = 0; index < value.length; index++) {
    if (!(index in value) || !isJsonValue(value[index])) return false;
  }
  return true;
}
