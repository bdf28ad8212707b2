import { initiatorOf } from '../../../shared/control/initiator.js';
import type { AppStatus } from '../../../shared/domain/status.js';

const status = (sync: AppStatus['sync']['status'], revision: string): AppStatus => ({
  app: 'web',
  sync: { status: sync, revision },
  health: { status: 'Healthy' },
  resources: [],
});

describe('the initiator of a sync', () => {
  test("is the request's user when it names one", () => {
    const alice = { username: 'alice', groups: ['team-a'] };
    expect(
      initiatorOf(
        { reason: 'manual', initiatedBy: alice, requestedAt: 1 },
        { reason: 'manual' },
        undefined,
        'a',
      ),
    ).toBe(alice);
  });

  test('is webhook for a push, self-heal for drift at the deployed revision, automated otherwise', () => {
    expect(
      initiatorOf(
        { reason: 'webhook', revision: 'b', requestedAt: 1 },
        { reason: 'webhook' },
        status('Synced', 'a'),
        'b',
      ),
    ).toEqual({ username: 'webhook', automated: true });
    expect(initiatorOf(undefined, { reason: 'drift' }, status('OutOfSync', 'a'), 'a')).toEqual({
      username: 'self-heal',
      automated: true,
    });
    expect(initiatorOf(undefined, { reason: 'poll' }, status('OutOfSync', 'a'), 'b')).toEqual({
      username: 'automated',
      automated: true,
    });
    expect(initiatorOf(undefined, { reason: 'refresh' }, undefined, 'a')).toEqual({
      username: 'automated',
      automated: true,
    });
  });
});
