import { describe, expect, it } from 'vitest';
import { asRecord, isRecord, stringMap, stringOf } from '../../src/core/records.js';

describe('records: one reading of untyped data', () => {
  it('takes only plain objects as records', () => {
    expect([{}, { a: 1 }].map(isRecord)).toEqual([true, true]);
    expect([null, undefined, [], 'x', 1, true].map(isRecord)).toEqual([false, false, false, false, false, false]);
    expect(asRecord([1, 2])).toEqual({});
    expect(asRecord(null)).toEqual({});
    const object = { a: 1 };
    expect(asRecord(object)).toBe(object);
  });

  it('keeps the string entries of a map and drops the others, so one bad entry hides no good one', () => {
    expect(stringMap({ a: 'x', b: true, c: 1, d: null, e: '' })).toEqual({ a: 'x', e: '' });
    expect(stringMap(['a'])).toEqual({});
    expect(stringMap('a=b')).toEqual({});
  });

  it('reads a string field or nothing', () => {
    expect(stringOf('a')).toBe('a');
    expect(stringOf(1)).toBeUndefined();
  });
});
