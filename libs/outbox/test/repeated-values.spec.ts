// repeatedValues: a column sent as distinct values and positions reads back as the original column.
import { describe, expect, it } from '@jest/globals';
import { repeatedValues } from '../src/incoming/repeated-values.js';

describe('repeatedValues', () => {
  it('keeps each value once, in first-seen order, and a 1-based position per row', () => {
    const column = ['a', 'b', 'a', null, 'b', null, 'c'];
    const { distinct, positions } = repeatedValues(column);
    expect(distinct).toEqual(['a', 'b', null, 'c']);
    expect(positions).toEqual([1, 2, 1, 3, 2, 3, 4]);
    expect(positions.map((position) => distinct[position - 1])).toEqual(column);
  });

  it('encodes an empty column as nothing', () => {
    expect(repeatedValues([])).toEqual({ distinct: [], positions: [] });
  });
});
