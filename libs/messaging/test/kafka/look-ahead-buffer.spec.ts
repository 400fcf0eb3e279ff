import { describe, expect, it } from '@jest/globals';
import { LookAheadBuffer } from '../../src/transports/kafka/look-ahead-buffer.js';
import type { IncomingRecord } from '../../src/transports/message-transport.js';

function records(...offsets: number[]): IncomingRecord[] {
  return offsets.map((offset) => ({
    topic: 'orders',
    partition: 0,
    offset: String(offset),
    key: 'k',
    value: null,
    headers: {},
  }));
}

const offsetsOf = (list: readonly IncomingRecord[]): string[] => list.map((record) => record.offset);

describe('LookAheadBuffer', () => {
  it('takes fetched records in until it is full and names the first that did not fit', () => {
    const buffer = new LookAheadBuffer(3);
    const tracked: string[] = [];
    const admission = buffer.admit(records(10, 11, 12, 13, 14), (offset) => tracked.push(offset) > 0);
    expect(offsetsOf(admission.records)).toEqual(['10', '11', '12']);
    expect(admission.overflow).toBe('13');
    // Only records taken in are tracked, so the commit cannot pass one that did not fit.
    expect(tracked).toEqual(['10', '11', '12']);
  });

  it('puts held records first, skips them when fetched again and counts them against the capacity', () => {
    const buffer = new LookAheadBuffer(3);
    buffer.admit(records(10, 11, 12), () => true);
    buffer.hold(records(12, 11));
    const admission = buffer.admit(records(12, 13, 14), () => true);
    expect(offsetsOf(admission.records)).toEqual(['11', '12', '13']);
    expect(admission.overflow).toBe('14');
  });

  it('skips records the tracker reports finished', () => {
    const buffer = new LookAheadBuffer(10);
    const admission = buffer.admit(records(10, 11, 12), (offset) => offset !== '11');
    expect(offsetsOf(admission.records)).toEqual(['10', '12']);
    expect(admission.overflow).toBeUndefined();
  });

  it('refetches from the newest record taken in while it holds any, so the next round comes', () => {
    const buffer = new LookAheadBuffer(10);
    expect(buffer.refetchPoint()).toBeUndefined();
    buffer.admit(records(10, 11, 12), () => true);
    buffer.hold(records(10));
    expect(buffer.refetchPoint()).toBe('12');
    expect(buffer.size).toBe(1);
    buffer.hold([]);
    expect(buffer.refetchPoint()).toBeUndefined();
  });
});
