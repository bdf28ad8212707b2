// After a step's status is committed: the notifications its change calls for (shared/notify/plan.ts),
// sent, and what was sent recorded in the status under the same lease. A failure to notify is a
// NotificationError condition on the app, never a failed step: nothing here throws.
import type { App } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import type { Lease } from '../ports/state-store.js';
import { planNotifications, subscriptionsOf } from '../notify/plan.js';
import { commitStep, type Control } from './deps.js';

export async function notifyStatusChange(
  c: Control,
  lease: Lease,
  app: App,
  before: AppStatus | undefined,
  after: AppStatus,
): Promise<void> {
  if (!c.notifier) return;
  try {
    const { subscriptions, problems } = subscriptionsOf(app, c.notifier.services());
    const plan = planNotifications(app, before, after, subscriptions);
    const kept = after.notifications?.sent ?? [];
    const same = kept.length === plan.holding.length && kept.every((k, i) => k === plan.holding[i]);
    const shown = after.conditions?.find((k) => k.type === 'NotificationError')?.message;
    const unchangedProblems = problems.length === 0 || shown === problems.join('; ').slice(0, 2000);
    if (plan.due.length === 0 && same && unchangedProblems) return;
    const results = plan.due.length > 0 ? await c.notifier.deliver(plan.due) : [];
    const failed = results.filter((r) => !r.ok);
    const at = new Date(c.clock.now()).toISOString();
    // A failed notification is not sent again on the next drift check (the condition says why);
    // the next change of state notifies afresh.
    const errors = [
      ...problems,
      ...failed.map((r) => `${r.error ?? 'failed'} (after ${r.attempts} attempts)`),
    ];
    const conditions = (after.conditions ?? []).filter((k) => k.type !== 'NotificationError');
    if (errors.length > 0)
      conditions.push({ type: 'NotificationError', message: errors.join('; ').slice(0, 2000), at });
    await commitStep(c, lease, {
      status: { ...after, notifications: { sent: plan.holding }, conditions },
    });
    for (const r of results) {
      const fields = { app: app.name, key: r.key, attempts: r.attempts, error: r.error };
      if (r.ok) c.log.info('notification sent', fields);
      else c.log.warn('notification failed', fields);
    }
  } catch (err) {
    c.log.warn('notifications not recorded', { app: app.name, detail: (err as Error).message });
  }
}
