// Which key buckets a relay asks for: all while rows are few, alternating halves under a backlog.
import { describe, expect, it } from '@jest/globals';
import { ALL_BUCKETS, BucketRotation, KEY_BUCKETS } from '../src/outgoing/key-buckets.js';

describe('BucketRotation', () => {
  it('asks for every bucket while claims come back short, and never asks twice at once', () => {
    const rotation = new BucketRotation();
    expect(rotation.next()).toEqual(ALL_BUCKETS);
    expect(rotation.claimed(false)).toBe(false);
    expect(rotation.next()).toHaveLength(KEY_BUCKETS);
  });

  it('under a backlog alternates between the two halves, which together are every bucket', () => {
    const rotation = new BucketRotation();
    rotation.claimed(true);
    const first = rotation.next();
    rotation.claimed(true);
    const second = rotation.next();
    rotation.claimed(true);
    expect(first).toHaveLength(KEY_BUCKETS / 2);
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(ALL_BUCKETS);
    expect(rotation.next()).toEqual(first);
  });

  it('after a half that was not full, claims every bucket at once instead of idling', () => {
    const rotation = new BucketRotation();
    rotation.claimed(true);
    expect(rotation.next()).toHaveLength(KEY_BUCKETS / 2);
    expect(rotation.claimed(false)).toBe(true);
    expect(rotation.next()).toEqual(ALL_BUCKETS);
    expect(rotation.claimed(false)).toBe(false);
  });
});
