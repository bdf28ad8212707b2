// The worker's notifier on AWS: a step's notifications are handed to their own queue as one job
// (in order: a GitHub status's pending before its success), and a notifier function sends them
// (shared/control/queued-notification.ts). A slow or failing service then never holds a sync step;
// what failed is queued again, delayed. A job carries only what a message is made of (no resource
// list, no diff), bounded in size.
import { GitferryError } from '../domain/errors.js';
import { redactDeep } from '../domain/redact.js';
import type { AppStatus } from '../domain/status.js';
import {
  triggerNames,
  type DeliveryResult,
  type Notification,
  type NotificationJob,
  type Notifier,
} from '../ports/notifier.js';

export type { NotificationJob } from '../ports/notifier.js';
import { cutText } from './template.js';

/** A notification job's body is not one. */
export class NotificationJobError extends GitferryError {
  override name = 'NotificationJobError';
}

/** Notifications per job at most (a step's due list is bounded by the subscriptions: 20). */
export const maxNotificationsPerJob = 40;

/** The status fields messages and services read, with long messages cut. */
function slimStatus(s: AppStatus): AppStatus {
  const op = s.operation;
  return {
    app: s.app,
    sync: { status: s.sync.status, ...(s.sync.revision ? { revision: s.sync.revision } : {}) },
    health: {
      status: s.health.status,
      ...(s.health.message ? { message: cutText(s.health.message, 1000) } : {}),
    },
    resources: [],
    ...(op
      ? {
          operation: {
            phase: op.phase,
            startedAt: op.startedAt,
            ...(op.message ? { message: cutText(op.message, 2000) } : {}),
            ...(op.revision ? { revision: op.revision } : {}),
            ...(op.runId !== undefined ? { runId: op.runId } : {}),
          },
        }
      : {}),
  };
}

export function notificationJobOf(notifications: Notification[], attempt = 1): NotificationJob {
  // Bodies may end up in the dead-letter queue: no credential rides along (DESIGN.md rule 4).
  return redactDeep({
    kind: 'notifications',
    attempt,
    notifications: notifications.map((n) => ({ ...n, status: slimStatus(n.status) })),
  });
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isNotification(v: unknown): v is Notification {
  const n = v as Partial<Notification> | null;
  return (
    typeof n === 'object' &&
    n !== null &&
    [n.key, n.app, n.project, n.repoURL, n.service, n.recipient, n.revision].every(isString) &&
    triggerNames.includes(n.trigger as Notification['trigger']) &&
    typeof n.status === 'object' &&
    n.status !== null &&
    typeof n.status.sync?.status === 'string' &&
    typeof n.status.health?.status === 'string'
  );
}

/** A queued job, checked field by field (the queue is ours, but a bad body must fail clearly). */
export function parseNotificationJob(body: string | undefined): NotificationJob {
  let job: Partial<NotificationJob> | null;
  try {
    job = JSON.parse(body ?? '') as Partial<NotificationJob> | null;
  } catch {
    throw new NotificationJobError('notify:invalid-job', 'notification job: the body is not JSON');
  }
  const ok =
    job?.kind === 'notifications' &&
    Number.isSafeInteger(job.attempt) &&
    (job.attempt ?? 0) >= 1 &&
    Array.isArray(job.notifications) &&
    job.notifications.length <= maxNotificationsPerJob &&
    job.notifications.every(isNotification) &&
    (job.app === undefined || (isString(job.app) && job.app !== '')) &&
    (job.failures === undefined ||
      (Array.isArray(job.failures) && job.failures.length <= 100 && job.failures.every(isString)));
  if (!ok)
    throw new NotificationJobError('notify:invalid-job', 'notification job: not a list of notifications');
  return job as NotificationJob;
}

/**
 * Hands a step's notifications to `enqueue` as one job. A result says "queued": delivery, its retries and
 * a failure's NotificationError condition are the notifier function's.
 */
export class QueuedNotifier implements Notifier {
  constructor(
    private readonly configured: readonly string[],
    private readonly enqueue: (job: NotificationJob) => Promise<void>,
  ) {}

  services(): string[] {
    return [...this.configured];
  }

  async deliver(notifications: Notification[]): Promise<DeliveryResult[]> {
    if (notifications.length === 0) return [];
    try {
      for (let i = 0; i < notifications.length; i += maxNotificationsPerJob)
        await this.enqueue(notificationJobOf(notifications.slice(i, i + maxNotificationsPerJob)));
      return notifications.map((n) => ({ key: n.key, ok: true, attempts: 1 }));
    } catch (err) {
      const why = cutText((err as Error).message, 300);
      return notifications.map((n) => ({
        key: n.key,
        ok: false,
        attempts: 1,
        retry: true,
        error: `${n.service} ${n.trigger}: not queued: ${why}`,
      }));
    }
  }
}
