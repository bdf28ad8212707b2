// The notifier function's use case (AWS): send a queued job's notifications, queue again what
// failed for a reason that may pass (delayed, backing off), and record what finally failed as the
// app's NotificationError condition, under the app's lease as every status write is. A retried
// notification whose condition no longer holds (the run it announced is over, the app recovered)
// is dropped: its successor tells the truth, and a late `pending` never lands after `success`.
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Notification, Notifier } from '../ports/notifier.js';
import type { StateStore } from '../ports/state-store.js';
import { firingOf } from '../notify/plan.js';
import { notificationJobOf, type NotificationJob } from '../notify/queued-notifier.js';
import { commitStep } from './deps.js';

export interface QueuedNotificationOptions {
  /** Tries of one notification, the worker's hand-over included. */
  maxAttempts: number;
  /** Delay before try 2, 3, …, in seconds; the last one repeats (SQS allows up to 900). */
  backoffSeconds: readonly number[];
  /** How long recording a failure may hold the app. */
  leaseTtlMs: number;
}

export const defaultQueuedNotificationOptions: QueuedNotificationOptions = {
  maxAttempts: 6,
  backoffSeconds: [30, 60, 120, 300, 600],
  leaseTtlMs: 30_000,
};

export interface QueuedNotificationDeps {
  store: StateStore;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  holder: string;
  /** Queues a job again after `delaySeconds`. */
  requeue: (job: NotificationJob, delaySeconds: number) => Promise<void>;
  options?: Partial<QueuedNotificationOptions>;
}

export interface QueuedNotificationOutcome {
  sent: number;
  requeued: number;
  /** Retries dropped because their condition no longer holds. */
  stale: number;
  /** Failures recorded in the app's status (or, with `recorded: false`, that could not be). */
  failed: number;
  recorded: boolean;
}

/** Whether the app's status still says what the notification announced. */
function stillHolds(n: Notification, status: Parameters<typeof firingOf>[1] | undefined): boolean {
  const firing = status && firingOf(n.trigger, status);
  return firing !== undefined && n.key.endsWith(`|${firing.scope}`);
}

export async function deliverNotificationJob(
  d: QueuedNotificationDeps,
  job: NotificationJob,
): Promise<QueuedNotificationOutcome> {
  const o = { ...defaultQueuedNotificationOptions, ...d.options };
  let todo = job.notifications;
  let stale = 0;
  if (job.attempt > 1 && todo.length > 0) {
    const apps = [...new Set(todo.map((n) => n.app))];
    const statuses = new Map(
      await Promise.all(apps.map(async (a) => [a, await d.store.getStatus(a)] as const)),
    );
    const kept = todo.filter((n) => stillHolds(n, statuses.get(n.app)));
    stale = todo.length - kept.length;
    todo = kept;
  }
  const results = todo.length > 0 ? await d.notifier.deliver(todo) : [];
  const byKey = new Map(todo.map((n) => [n.key, n]));
  const again: Notification[] = [];
  const final: string[] = [...(job.failures ?? [])];
  for (const r of results) {
    if (r.ok) continue;
    if (r.retry && job.attempt < o.maxAttempts) again.push(byKey.get(r.key)!);
    else final.push(`${r.error ?? 'failed'} (after ${job.attempt} ${job.attempt === 1 ? 'try' : 'tries'})`);
  }
  if (again.length > 0) {
    const delay = o.backoffSeconds[Math.min(job.attempt - 1, o.backoffSeconds.length - 1)] ?? 60;
    await d.requeue(notificationJobOf(again, job.attempt + 1), delay);
  }
  let recorded = true;
  if (final.length > 0) {
    const app = job.app ?? job.notifications[0]?.app ?? '';
    recorded = await recordFailures(d, o, app, final);
    if (!recorded)
      // The app is busy (a sync step holds it): the failures alone come back to be recorded.
      await d.requeue({ ...notificationJobOf([], job.attempt), app, failures: final }, 10);
  }
  for (const r of results)
    if (r.ok) d.log.info('notification sent', { key: r.key, attempt: job.attempt });
    else d.log.warn('notification failed', { key: r.key, attempt: job.attempt, error: r.error });
  return {
    sent: results.filter((r) => r.ok).length,
    requeued: again.length,
    stale,
    failed: final.length,
    recorded,
  };
}

/** Adds the failures to the app's NotificationError condition; false when the app's lease is held. */
async function recordFailures(
  d: QueuedNotificationDeps,
  o: QueuedNotificationOptions,
  app: string,
  failures: string[],
): Promise<boolean> {
  const now = d.clock.now();
  const lease = await d.store.acquireLease(app, d.holder, o.leaseTtlMs, now);
  if (!lease) return false;
  try {
    const status = await d.store.getStatus(app);
    if (!status) return true;
    const shown = status.conditions?.find((k) => k.type === 'NotificationError')?.message;
    const message = [shown, ...failures].filter(Boolean).join('; ').slice(-2000);
    const conditions = (status.conditions ?? []).filter((k) => k.type !== 'NotificationError');
    conditions.push({ type: 'NotificationError', message, at: new Date(now).toISOString() });
    await commitStep(d, lease, { status: { ...status, conditions } });
    return true;
  } finally {
    await d.store.releaseLease(lease);
  }
}
