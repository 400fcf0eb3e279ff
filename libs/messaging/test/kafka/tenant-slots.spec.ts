import { describe, expect, it } from '@jest/globals';
import { TenantSlots } from '../../src/transports/kafka/tenant-slots.js';

describe('TenantSlots', () => {
  it('is full for a tenant running as many records as the limit, until one ends', () => {
    const slots = new TenantSlots(2);
    slots.take('a');
    expect(slots.isFull('a')).toBe(false);
    slots.take('a');
    expect(slots.isFull('a')).toBe(true);
    expect(slots.isFull('b')).toBe(false);
    slots.release('a');
    expect(slots.isFull('a')).toBe(false);
  });

  it('never counts records without a tenant', () => {
    const slots = new TenantSlots(1);
    slots.take(undefined);
    slots.take(undefined);
    expect(slots.isFull(undefined)).toBe(false);
  });

  it('tells listeners when a slot frees up, until they stop listening', () => {
    const slots = new TenantSlots(1);
    const heard: string[] = [];
    const stop = slots.onRelease(() => heard.push('released'));
    slots.take('a');
    slots.release('a');
    stop();
    slots.take('a');
    slots.release('a');
    expect(heard).toEqual(['released']);
  });
});
