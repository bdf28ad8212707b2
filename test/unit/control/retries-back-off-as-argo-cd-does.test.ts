import { parseDuration, retryDelayMs } from '../../../shared/control/retry.js';

describe('sync retries', () => {
  test('parse Go durations as Argo CD writes them', () => {
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('3m')).toBe(180_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10')).toBe(10_000);
    expect(() => parseDuration('soon')).toThrow('invalid duration "soon"');
  });

  test('double from 5 s up to 3 min, and stop after the limit (Argo CD defaults: 5 tries)', () => {
    const policy = { limit: 5, duration: '5s', factor: 2, maxDuration: '3m' };
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a))).toEqual([
      5_000,
      10_000,
      20_000,
      40_000,
      80_000,
      undefined,
    ]);
    expect(retryDelayMs({ ...policy, limit: 10 }, 7)).toBe(180_000);
    expect(retryDelayMs({ ...policy, limit: 0 }, 1)).toBeUndefined();
  });
});
