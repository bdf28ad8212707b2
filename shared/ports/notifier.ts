import type { AppStatus } from '../domain/status.js';

/** Argo CD's trigger names (argocd-notifications' default catalog). */
export const triggerNames = [
  'on-sync-running',
  'on-sync-succeeded',
  'on-sync-failed',
  'on-health-degraded',
  'on-deployed',
  'on-sync-status-unknown',
  // Gitferry's own: an automatic rollback (gitferry.dev/auto-rollback) was started.
  'on-rollback',
] as const;
export type TriggerName = (typeof triggerNames)[number];

/** One message to send: a trigger that fired for an app, to one subscriber of one service. */
export interface Notification {
  /** What dedup knows it by (trigger, service, recipient and revision, plus the run for sync triggers). */
  key: string;
  app: string;
  project: string;
  repoURL: string;
  /** The app's destination cluster and namespace (a GitHub Deployment's environment). */
  cluster?: string;
  namespace?: string;
  trigger: TriggerName;
  service: string;
  /** The annotation's recipient (a Slack channel, say); empty when the service needs none. */
  recipient: string;
  revision: string;
  status: AppStatus;
}

/** How one notification went: sent, or failed after its retries (the error never quotes a secret). */
export interface DeliveryResult {
  key: string;
  ok: boolean;
  attempts: number;
  /** A failure another try later may cure (a network error, 5xx, 429), not a refusal (4xx, config). */
  retry?: boolean;
  error?: string;
}

/**
 * Sends notifications to the services an installation configured (GitHub statuses and
 * Deployments, GitLab statuses, Slack, webhooks), or hands them to a queue that sends them. `deliver` never throws: each notification's outcome is in its result.
 */
export interface Notifier {
  /** The service names subscriptions may use (`github`, `slack`, a webhook's name). */
  services(): string[];
  deliver(notifications: Notification[]): Promise<DeliveryResult[]>;
}

/** A step's notifications queued for the notifier function (AWS), in the order they are sent. */
export interface NotificationJob {
  kind: 'notifications';
  /** 1 for the worker's job, then one more per retry. */
  attempt: number;
  /** Sent in this order. */
  notifications: Notification[];
  /** Failures to record in this app's status (when the app was busy the first time). */
  failures?: string[];
  app?: string;
}
