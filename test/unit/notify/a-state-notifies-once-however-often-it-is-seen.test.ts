import { notifyStatusChange } from '../../../shared/control/notifications.js';
import type { Control } from '../../../shared/control/deps.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { DeliveryResult, Notification, Notifier } from '../../../shared/ports/notifier.js';
import type { Lease, StepCommit } from '../../../shared/ports/state-store.js';
import { appWith, sha, statusAt } from './fixtures.js';

const lease = { app: 'shop', holder: 'w', token: 1, expiresAt: Date.now() + 60_000 } as unknown as Lease;

/** A control whose store keeps the last status committed, and a notifier that records what it sends. */
function harness(fail = false) {
  const sent: Notification[] = [];
  let stored: AppStatus | undefined;
  const commits: StepCommit[] = [];
  const notifier: Notifier = {
    services: () => ['github', 'slack'],
    deliver: async (ns) => {
      sent.push(...ns);
      return ns.map((n): DeliveryResult =>
        fail
          ? { key: n.key, ok: false, attempts: 3, error: `${n.service}: answered 503` }
          : { key: n.key, ok: true, attempts: 1 },
      );
    },
  };
  const c = {
    notifier,
    clock: { now: () => Date.parse('2026-12-01T11:05:00Z') },
    log: silentLogger,
    store: {
      commitStep: async (_l: Lease, commit: StepCommit) => {
        commits.push(commit);
        if (commit.status) stored = commit.status;
      },
    },
  } as unknown as Control;
  /** What a use case does: commit `next` (keeping what the stored status had), then notify. */
  const step = async (next: AppStatus) => {
    const before = stored;
    const after = { ...next, ...(before?.notifications ? { notifications: before.notifications } : {}) };
    stored = after;
    await notifyStatusChange(c, lease, app, before, after);
  };
  const app = appWith({
    'notifications.argoproj.io/subscribe.on-sync-running.github': '',
    'notifications.argoproj.io/subscribe.on-deployed.github': '',
    'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys',
    'notifications.argoproj.io/subscribe.on-health-degraded.slack': 'deploys',
  });
  return { step, sent, commits, stored: () => stored };
}

describe('a state notifies once however often it is seen', () => {
  test('a push notifies running then deployed; 10 drift checks that find it the same send nothing', async () => {
    const h = harness();
    await h.step(statusAt('running'));
    await h.step(statusAt('finished'));
    await h.step(statusAt('healthy'));
    expect(h.sent.map((n) => [n.trigger, n.service, n.revision])).toEqual([
      ['on-sync-running', 'github', sha],
      ['on-deployed', 'github', sha],
    ]);
    const writes = h.commits.length;
    for (let i = 0; i < 10; i++) await h.step(statusAt('healthy'));
    expect(h.sent).toHaveLength(2);
    // Nothing changed: not even a status write.
    expect(h.commits).toHaveLength(writes);
  });

  test('a sync that finishes in one step still sends running before its outcome', async () => {
    const h = harness();
    await h.step(statusAt('healthy'));
    expect(h.sent.map((n) => n.trigger)).toEqual(['on-sync-running', 'on-deployed']);
  });

  test('degraded notifies once, again only after it recovered and degraded anew', async () => {
    const h = harness();
    await h.step(statusAt('healthy'));
    h.sent.length = 0;
    for (let i = 0; i < 5; i++) await h.step(statusAt('degraded'));
    expect(h.sent.map((n) => n.trigger)).toEqual(['on-health-degraded']);
    await h.step(statusAt('healthy'));
    await h.step(statusAt('degraded'));
    // Recovered at the same revision: on-deployed was sent for it already (Argo's oncePer revision).
    expect(h.sent.map((n) => n.trigger)).toEqual(['on-health-degraded', 'on-health-degraded']);
  });

  test('a new revision deploys anew; a second run of the same revision fails anew', async () => {
    const h = harness();
    await h.step(statusAt('healthy', sha, 1));
    await h.step(statusAt('healthy', 'b'.repeat(40), 2));
    expect(h.sent.filter((n) => n.trigger === 'on-deployed').map((n) => n.revision)).toEqual([
      sha,
      'b'.repeat(40),
    ]);
    await h.step(statusAt('failed', sha, 3));
    await h.step(statusAt('failed', sha, 3));
    await h.step(statusAt('failed', sha, 4));
    expect(h.sent.filter((n) => n.trigger === 'on-sync-failed')).toHaveLength(2);
  });

  test('a failed delivery is a NotificationError condition, not repeated by drift checks, never a thrown error', async () => {
    const h = harness(true);
    await h.step(statusAt('failed'));
    expect(h.sent.map((n) => n.trigger)).toEqual(['on-sync-running', 'on-sync-failed']);
    const condition = h.stored()!.conditions?.find((k) => k.type === 'NotificationError');
    expect(condition?.message).toBe(
      'github: answered 503 (after 3 attempts); slack: answered 503 (after 3 attempts)',
    );
    for (let i = 0; i < 10; i++) await h.step({ ...statusAt('failed'), conditions: h.stored()!.conditions });
    expect(h.sent).toHaveLength(2);
  });

  test('a notifier that throws leaves the step alone', async () => {
    const c = {
      notifier: {
        services: () => ['github'],
        deliver: async () => {
          throw new Error('boom');
        },
      },
      clock: { now: () => 0 },
      log: silentLogger,
      store: { commitStep: async () => {} },
    } as unknown as Control;
    const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-failed.github': '' });
    await expect(notifyStatusChange(c, lease, app, undefined, statusAt('failed'))).resolves.toBeUndefined();
  });
});

test('an annotation naming an unconfigured service is a condition written once, not on every drift check', async () => {
  const commits: StepCommit[] = [];
  let stored: AppStatus | undefined;
  const c = {
    notifier: { services: () => ['github'], deliver: async () => [] },
    clock: { now: () => 0 },
    log: silentLogger,
    store: {
      commitStep: async (_l: Lease, commit: StepCommit) => {
        commits.push(commit);
        stored = commit.status;
      },
    },
  } as unknown as Control;
  const app = appWith({ 'notifications.argoproj.io/subscribe.on-deployed.teams': 'x' });
  for (let i = 0; i < 10; i++) await notifyStatusChange(c, lease, app, stored, stored ?? statusAt('healthy'));
  expect(commits).toHaveLength(1);
  expect(stored!.conditions).toEqual([
    {
      type: 'NotificationError',
      message:
        'annotation notifications.argoproj.io/subscribe.on-deployed.teams: service "teams" is not configured',
      at: '1970-01-01T00:00:00.000Z',
    },
  ]);
});

test('sync status Unknown (Git cannot be compared with) notifies once per revision', async () => {
  const sent: string[] = [];
  let stored: AppStatus | undefined;
  const c = {
    notifier: {
      services: () => ['slack'],
      deliver: async (ns: Notification[]) =>
        ns.map((n) => (sent.push(n.key), { key: n.key, ok: true, attempts: 1 })),
    },
    clock: { now: () => 0 },
    log: silentLogger,
    store: { commitStep: async (_l: Lease, commit: StepCommit) => void (stored = commit.status) },
  } as unknown as Control;
  const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-status-unknown.slack': 'ops' });
  const unknown = (rev: string): AppStatus => ({
    ...statusAt('healthy', rev),
    sync: { status: 'Unknown', revision: rev },
  });
  for (let i = 0; i < 5; i++) {
    const before = stored;
    await notifyStatusChange(c, lease, app, before, {
      ...unknown(sha),
      ...(before ? { notifications: before.notifications } : {}),
    });
  }
  await notifyStatusChange(c, lease, app, stored, {
    ...unknown('c'.repeat(40)),
    notifications: stored!.notifications,
  });
  expect(sent).toEqual([
    `on-sync-status-unknown|slack|ops|${sha}`,
    `on-sync-status-unknown|slack|ops|${'c'.repeat(40)}`,
  ]);
});
