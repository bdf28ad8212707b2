// The request predicates every store decides with (state-store-rules.ts): a request replaces the
// stored one unless that one is newer, and a step removes the stored request only if it is the
// one the step took up, or older.
import { requestConsumed, requestReplaces } from '../../../shared/ports/state-store-rules.js';

describe('request predicates', () => {
  test.each([
    ['nothing stored', undefined, 1_000, true],
    ['an older request stored', 999, 1_000, true],
    ['a request of the same instant stored', 1_000, 1_000, true],
    ['a newer request stored', 1_001, 1_000, false],
  ])('requestReplaces: %s → %s', (_, storedAt, incomingAt, replaces) => {
    expect(requestReplaces(storedAt, incomingAt)).toBe(replaces);
  });

  test.each([
    ['the request the step took up', 1_000, 1_000, true],
    ['an older request', 999, 1_000, true],
    ['a request that arrived while the step ran', 1_001, 1_000, false],
    ['a step whose consumedRequestAt is NaN', 1_000, Number.NaN, false],
  ])('requestConsumed: %s → %s', (_, storedAt, consumedAt, consumed) => {
    expect(requestConsumed(storedAt, consumedAt)).toBe(consumed);
  });
});
