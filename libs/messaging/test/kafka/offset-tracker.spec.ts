import { describe, expect, it } from '@jest/globals';
import { OffsetTracker } from '../../src/transports/kafka/offset-tracker.js';

describe('OffsetTracker', () => {
  function tracking(...offsets: number[]): OffsetTracker {
    const tracker = new OffsetTracker();
    offsets.forEach((offset) => tracker.track(String(offset)));
    return tracker;
  }

  it('commits nothing while the first fetched record is unfinished, however many later ones are done', () => {
    const tracker = tracking(10, 11, 12, 13);
    ['11', '12', '13'].forEach((offset) => tracker.finish(offset));
    expect(tracker.commitPoint()).toBe('10');
    tracker.committedAt('10');
    expect(tracker.commitPoint()).toBeUndefined();
    expect(tracker.lowestUnfinished()).toBe('10');
  });

  it('counts the tracked records not finished, finishing out of order included', () => {
    const tracker = tracking(0, 1, 2, 3);
    tracker.finish('2');
    expect(tracker.unfinishedCount).toBe(3);
    tracker.finish('0');
    expect(tracker.unfinishedCount).toBe(2);
    expect(tracker.commitPoint()).toBe('1');
  });

  it('moves the commit point to the lowest record still in flight, never past it', () => {
    const tracker = tracking(0, 1, 2, 3, 4);
    tracker.finish('0');
    tracker.finish('1');
    tracker.finish('3');
    expect(tracker.commitPoint()).toBe('2');
    tracker.finish('2');
    expect(tracker.commitPoint()).toBe('4');
    tracker.finish('4');
    expect(tracker.commitPoint()).toBe('5');
    expect(tracker.unfinishedOffsets()).toEqual([]);
  });

  it('moves past offsets that never reach the consumer once everything before them is done', () => {
    const tracker = tracking(5, 7);
    tracker.finish('5');
    tracker.finish('7');
    tracker.coverThrough('9');
    expect(tracker.commitPoint()).toBe('10');
  });

  it('keeps finished records above the commit point, so a refetch after a redelivery skips them', () => {
    const tracker = tracking(0, 1, 2);
    tracker.finish('1');
    tracker.finish('2');
    tracker.committedAt(tracker.commitPoint()!);
    expect(tracker.track('0')).toBe(true);
    expect(tracker.track('1')).toBe(false);
    expect(tracker.track('2')).toBe(false);
    tracker.finish('0');
    expect(tracker.commitPoint()).toBe('3');
    tracker.committedAt('3');
    expect(tracker.track('1')).toBe(false);
    expect(tracker.track('3')).toBe(true);
  });

  it('lists unfinished offsets in numeric order and handles offsets beyond 2^53', () => {
    const big = 2n ** 60n;
    const tracker = tracking(100, 9, 20);
    tracker.track(String(big + 1n));
    tracker.track(String(big));
    expect(tracker.unfinishedOffsets()).toEqual(['9', '20', '100', String(big), String(big + 1n)]);
    ['9', '20', '100', String(big)].forEach((offset) => tracker.finish(offset));
    expect(tracker.commitPoint()).toBe(String(big + 1n));
  });

  it('keeps its place across 2^53, where offsets stop being exact numbers', () => {
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const offsets = [safe - 1n, safe, safe + 1n, safe + 2n].map(String);
    const tracker = new OffsetTracker();
    offsets.forEach((offset) => tracker.track(offset));
    tracker.finish(offsets[0]!);
    tracker.finish(offsets[2]!);
    expect(tracker.commitPoint()).toBe(offsets[1]);
    expect(tracker.unfinishedOffsets()).toEqual([offsets[1], offsets[3]]);
    tracker.finish(offsets[1]!);
    expect(tracker.commitPoint()).toBe(offsets[3]);
    tracker.committedAt(offsets[3]!);
    expect(tracker.track(offsets[2]!)).toBe(false);
    tracker.finish(offsets[3]!);
    expect(tracker.commitPoint()).toBe(String(safe + 3n));
    tracker.coverThrough(String(safe + 9n));
    expect(tracker.commitPoint()).toBe(String(safe + 10n));
  });

  it('never moves the commit point backwards', () => {
    const tracker = tracking(0);
    tracker.finish('0');
    tracker.committedAt('1');
    tracker.committedAt('0');
    expect(tracker.commitPoint()).toBeUndefined();
  });
});
