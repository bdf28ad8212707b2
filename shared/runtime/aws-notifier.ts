// The notifier function's runtime (AWS): the store (to record failures), the services' secrets
// from Secrets Manager, the notification queue (to queue retries). No git, renderer or cluster
// client: its bundle stays small.
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsNotificationQueue } from '../adapters/aws/sqs-notification-queue.js';
import { deliverNotificationJob, type QueuedNotificationOptions } from '../control/queued-notification.js';
import { configuredServices, parseNotificationConfig } from '../notify/config.js';
import { HttpNotifier } from '../notify/notifier.js';
import { QueuedNotifier } from '../notify/queued-notifier.js';
import type { NotificationJob, Notifier } from '../ports/notifier.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import { buildNotifier } from './notifier.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { AwsConfigError, type AwsRuntimeConfig } from './aws-config.js';
import { buildAwsStateAdapters } from './aws-state.js';

export { parseNotificationJob } from '../notify/queued-notifier.js';

/**
 * The AWS worker's notifier: with a notification queue, notifications are queued for the notifier
 * function (the configuration is still parsed here: subscriptions are checked against it);
 * without one, sent after the step as `serve` does.
 */
export function buildWorkerNotifier(
  config: { region: string; notifications?: string; notificationQueueUrl?: string },
  secrets: SecretStore,
  guard: UrlGuardOptions,
  sqs?: SQSClient,
): Notifier | undefined {
  const text = config.notifications;
  if (text === undefined || text.trim() === '') return undefined;
  if (!config.notificationQueueUrl) return buildNotifier(text, secrets, guard);
  const queue = new SqsNotificationQueue(
    sqs ?? new SQSClient({ region: config.region }),
    config.notificationQueueUrl,
  );
  return new QueuedNotifier(configuredServices(parseNotificationConfig(text)), (job) => queue.send(job));
}

export function buildAwsNotifierRuntime(config: AwsRuntimeConfig, sqs?: SQSClient) {
  if (!config.notifications || !config.notificationQueueUrl)
    throw new AwsConfigError(
      'config:missing',
      'the notifier function needs GITFERRY_NOTIFICATIONS and GITFERRY_NOTIFICATION_QUEUE_URL',
    );
  const { store, secrets } = buildAwsStateAdapters(config);
  const guard = { allowedHosts: config.allowedHosts };
  // One try per job: retries are queued again, delayed (shared/control/queued-notification.ts).
  const notifier = new HttpNotifier(parseNotificationConfig(config.notifications), secrets, {
    guard,
    attempts: 1,
  });
  const queue = new SqsNotificationQueue(
    sqs ?? new SQSClient({ region: config.region }),
    config.notificationQueueUrl,
  );
  return { config, store, notifier, queue };
}

export type AwsNotifierRuntime = ReturnType<typeof buildAwsNotifierRuntime>;

/** One queued job through the use case, on this runtime. */
export function deliverOnAws(
  rt: AwsNotifierRuntime,
  log: Logger,
  holder: string,
  job: NotificationJob,
  options?: Partial<QueuedNotificationOptions>,
) {
  return deliverNotificationJob(
    {
      store: rt.store,
      notifier: rt.notifier,
      clock: systemClock,
      log,
      holder,
      requeue: (j, delay) => rt.queue.send(j, delay),
      options,
    },
    job,
  );
}
