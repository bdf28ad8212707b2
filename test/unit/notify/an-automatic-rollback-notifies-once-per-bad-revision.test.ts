import type { App } from '../../../shared/domain/app.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';

// on-rollback (Gitferry's own trigger) fires when an automatic rollback starts, once per bad
// revision however often the status is seen again, and again for a later rollback from another one.
const app: App = {
  name: 'web',
  project: 'default',
  sources: [{ repoURL: 'https://github.com/acme/shop', path: 'web' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: { 'notifications.argoproj.io/subscribe.on-rollback.ops': 'oncall' },
};
const status = (autoRollback?: AppStatus['autoRollback']): AppStatus => ({
  app: 'web',
  sync: { status: 'Synced', revision: 'b'.repeat(40) },
  health: { status: 'Degraded' },
  resources: [],
  ...(autoRollback ? { autoRollback } : {}),
});

test('one notification per automatic rollback', () => {
  const { subscriptions, problems } = subscriptionsOf(app, ['ops']);
  expect(problems).toEqual([]);
  const first = status({ from: 'b'.repeat(40), to: 'a'.repeat(40), at: '', reason: 'Degraded' });
  const plan = planNotifications(app, status(), first, subscriptions);
  expect(plan.due.map((n) => [n.trigger, n.recipient, n.revision])).toEqual([
    ['on-rollback', 'oncall', 'a'.repeat(40)],
  ]);
  const seen = { ...first, notifications: { sent: plan.holding } };
  expect(planNotifications(app, seen, seen, subscriptions).due).toEqual([]);
  const next = {
    ...seen,
    autoRollback: { from: 'c'.repeat(40), to: 'a'.repeat(40), at: '', reason: 'Degraded' },
  };
  expect(planNotifications(app, seen, next, subscriptions).due).toHaveLength(1);
  // No target (nothing was Healthy before): no rollback happened, nothing to announce.
  expect(
    planNotifications(app, status(), status({ from: 'b', at: '', reason: 'Degraded' }), subscriptions).due,
  ).toEqual([]);
});
