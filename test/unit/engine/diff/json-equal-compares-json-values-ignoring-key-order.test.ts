import { jsonEqual } from '../../../../shared/engine/diff.js';

describe('jsonEqual', () => {
  test('objects with the same keys and values in another order are equal', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(true);
  });

  test('array order matters', () => {
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([{ a: 1 }, { b: 2 }], [{ a: 1 }, { b: 2 }])).toBe(true);
  });

  test('values of different types are not equal, even when they print alike', () => {
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(true, 'true')).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({}, null)).toBe(false);
    expect(jsonEqual(['a'], { 0: 'a' })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });

  test('an extra, missing or renamed key makes objects unequal', () => {
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
  });

  test('arrays of different lengths are unequal', () => {
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false);
  });

  test('scalars, null and undefined compare by value', () => {
    expect(jsonEqual('x', 'x')).toBe(true);
    expect(jsonEqual(0, 0)).toBe(true);
    expect(jsonEqual(null, null)).toBe(true);
    expect(jsonEqual(undefined, undefined)).toBe(true);
    expect(jsonEqual(undefined, null)).toBe(false);
    expect(jsonEqual(0, false)).toBe(false);
  });
});
