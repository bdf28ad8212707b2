// The lease predicates every store decides with (state-store-rules.ts): the instant a lease
// expires it may be taken and no longer written with, and only the same holder and token count.
import {
  isSameLease,
  leaseIsCurrent,
  leaseIsFree,
  leaseLost,
  type StoredLease,
} from '../../../shared/ports/state-store-rules.js';
import { LeaseLostError, type Lease } from '../../../shared/ports/state-store.js';

const lease: Lease = { app: 'web', holder: 'w', token: 7, expiresAt: 5_000 };
const stored: StoredLease = { holder: 'w', token: 7, expiresAt: 5_000 };

describe('lease predicates', () => {
  test.each([
    ['no lease stored', undefined, 4_000, true],
    ['held until later', stored, 4_999, false],
    ['at its expiry instant', stored, 5_000, true],
    ['released (expiresAt 0)', { ...stored, expiresAt: 0 }, 1, true],
  ])('leaseIsFree: %s → %s', (_, s, now, free) => {
    expect(leaseIsFree(s, now)).toBe(free);
  });

  test.each([
    ['the same acquisition before expiry', stored, 4_999, true],
    ['the same acquisition at its expiry instant', stored, 5_000, false],
    ['a later token of the same holder', { ...stored, token: 8 }, 1_000, false],
    ['another holder with the same token', { ...stored, holder: 'x' }, 1_000, false],
    ['no lease stored (the app was deleted)', undefined, 1_000, false],
    ['released', { ...stored, expiresAt: 0 }, 1_000, false],
  ])('leaseIsCurrent: %s → %s', (_, s, now, current) => {
    expect(leaseIsCurrent(s, lease, now)).toBe(current);
  });

  test('isSameLease ignores expiry (a release after expiry still frees the holder’s own lease)', () => {
    expect(isSameLease({ ...stored, expiresAt: 0 }, lease)).toBe(true);
    expect(isSameLease({ ...stored, token: 6 }, lease)).toBe(false);
    expect(isSameLease(undefined, lease)).toBe(false);
  });

  test('leaseLost names the app, token and holder, says nothing was written, and keeps the cause', () => {
    const cause = new Error('cancelled');
    const err = leaseLost(lease, cause);

    expect(err).toBeInstanceOf(LeaseLostError);
    expect(err.code).toBe('state:lease-lost');
    expect(err.message).toBe(
      'App/web lease lost: token 7 of holder w is no longer current; nothing was written',
    );
    expect(err.cause).toBe(cause);
  });
});
