// Which notifications a status change calls for: Argo CD's subscription annotations on the app
// (`notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>;<recipient>`), its trigger
// names, and dedup against what the app's status says was already sent. A trigger sends when its
// condition becomes true (per revision, and per run for the sync triggers) and again only after
// it was false in between: ten drift checks that find the same state send nothing. Pure.
import type { App } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import { triggerNames, type Notification, type TriggerName } from '../ports/notifier.js';

const annotationPrefix = 'notifications.argoproj.io/subscribe.';

/** Bounds against a hostile Application: subscriptions, recipients, their length, sent keys kept. */
export const notifyLimits = {
  subscriptionsPerApp: 20,
  recipientsPerSubscription: 10,
  recipientLength: 200,
  sentKeysKept: 100,
};

export interface Subscription {
  trigger: TriggerName;
  service: string;
  recipient: string;
}

/** The app's subscriptions, and what in its annotations was refused (named, never silently dropped). */
export function subscriptionsOf(
  app: App,
  services: readonly string[],
): { subscriptions: Subscription[]; problems: string[] } {
  const subscriptions: Subscription[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(app.annotations ?? {})) {
    if (!key.startsWith(annotationPrefix)) continue;
    const rest = key.slice(annotationPrefix.length);
    const trigger = triggerNames.find((t) => rest.startsWith(`${t}.`));
    const service = trigger ? rest.slice(trigger.length + 1) : '';
    if (!trigger) {
      problems.push(`annotation ${key}: unknown trigger (known: ${triggerNames.join(', ')})`);
      continue;
    }
    if (!services.includes(service)) {
      problems.push(`annotation ${key}: service ${JSON.stringify(service)} is not configured`);
      continue;
    }
    const recipients = String(value)
      .split(';')
      .map((r) => r.trim());
    const kept = recipients.filter((r, i) => r !== '' || (i === 0 && recipients.length === 1));
    if (kept.length > notifyLimits.recipientsPerSubscription)
      problems.push(
        `annotation ${key}: ${kept.length} recipients, only the first ${notifyLimits.recipientsPerSubscription} are notified`,
      );
    for (const recipient of kept.slice(0, notifyLimits.recipientsPerSubscription)) {
      if (recipient.length > notifyLimits.recipientLength || /[\u0000-\u001f\u007f]/.test(recipient)) {
        problems.push(
          `annotation ${key}: a recipient is longer than ${notifyLimits.recipientLength} characters or holds control characters`,
        );
        continue;
      }
      subscriptions.push({ trigger, service, recipient });
    }
  }
  if (subscriptions.length > notifyLimits.subscriptionsPerApp) {
    problems.push(
      `${subscriptions.length} subscriptions, only the first ${notifyLimits.subscriptionsPerApp} are notified`,
    );
    subscriptions.length = notifyLimits.subscriptionsPerApp;
  }
  return { subscriptions, problems };
}

/** Argo CD's default trigger conditions, on a status; the revision and dedup scope they hold for. */
export function firingOf(
  trigger: TriggerName,
  s: AppStatus,
): { revision: string; scope: string } | undefined {
  const op = s.operation;
  const opScope = (rev: string) => ({ revision: rev, scope: `${rev}#${op?.runId ?? op?.startedAt ?? ''}` });
  const opRevision = op?.revision ?? s.sync.revision ?? '';
  const syncRevision = s.sync.revision ?? op?.revision ?? '';
  switch (trigger) {
    case 'on-sync-running':
      return op?.phase === 'Running' ? opScope(opRevision) : undefined;
    case 'on-sync-succeeded':
      return op?.phase === 'Succeeded' ? opScope(opRevision) : undefined;
    case 'on-sync-failed':
      return op?.phase === 'Failed' || op?.phase === 'Error' ? opScope(opRevision) : undefined;
    case 'on-health-degraded':
      return s.health.status === 'Degraded' ? { revision: syncRevision, scope: syncRevision } : undefined;
    case 'on-deployed':
      // Argo's oncePer: app.status.operationState.syncResult.revision: once per revision deployed.
      return op?.phase === 'Succeeded' && s.health.status === 'Healthy' && s.sync.status === 'Synced'
        ? { revision: opRevision, scope: opRevision }
        : undefined;
    case 'on-sync-status-unknown':
      return s.sync.status === 'Unknown' ? { revision: syncRevision, scope: syncRevision } : undefined;
    case 'on-rollback':
      // Once per automatic rollback (one per bad revision): the revision it went to.
      return s.autoRollback?.to
        ? { revision: s.autoRollback.to, scope: `${s.autoRollback.from}>${s.autoRollback.to}` }
        : undefined;
  }
}

export interface NotificationPlan {
  /** To send now, in trigger order. */
  due: Notification[];
  /** The keys of conditions true now: what the status keeps as sent once `due` went out. */
  holding: string[];
}

/**
 * What to send for a change from `before` to `after`. A run that went from nothing to finished
 * in one step passed through Running without a status saying so: on-sync-running is due for it
 * too (a GitHub status goes pending, then success), before the outcome.
 */
export function planNotifications(
  app: App,
  before: AppStatus | undefined,
  after: AppStatus,
  subscriptions: Subscription[],
): NotificationPlan {
  const sent = new Set(after.notifications?.sent ?? before?.notifications?.sent ?? []);
  const due: Notification[] = [];
  const holding: string[] = [];
  const newRun =
    after.operation !== undefined &&
    after.operation.phase !== 'Running' &&
    (before?.operation?.runId !== after.operation.runId ||
      before?.operation?.startedAt !== after.operation.startedAt);
  const passedRunning: AppStatus | undefined = newRun
    ? { ...after, operation: { ...after.operation!, phase: 'Running' } }
    : undefined;
  const repoURL = app.sources[0]?.repoURL ?? '';
  for (const trigger of triggerNames) {
    for (const sub of subscriptions.filter((x) => x.trigger === trigger)) {
      const states = trigger === 'on-sync-running' && passedRunning ? [passedRunning] : [after];
      for (const state of states) {
        const firing = firingOf(trigger, state);
        if (!firing) continue;
        const key = `${trigger}|${sub.service}|${sub.recipient}|${firing.scope}`;
        if (state === after) holding.push(key);
        if (sent.has(key)) continue;
        sent.add(key);
        due.push({
          key,
          app: app.name,
          project: app.project,
          repoURL,
          cluster: app.destination.name ?? app.destination.server ?? '',
          namespace: app.destination.namespace ?? '',
          trigger,
          service: sub.service,
          recipient: sub.recipient,
          revision: firing.revision,
          status: state,
        });
      }
    }
  }
  // on-deployed is Argo's `oncePer: revision`: recovering from Degraded at the same revision does
  // not deploy it again, so its key is kept while the operation's revision stays.
  const deployedAt = after.operation?.revision;
  for (const key of sent)
    if (
      key.startsWith('on-deployed|') &&
      deployedAt &&
      key.endsWith(`|${deployedAt}`) &&
      !holding.includes(key)
    )
      holding.push(key);
  return { due, holding: holding.slice(-notifyLimits.sentKeysKept) };
}
