// The project's sync windows as they concern one app now: the data decide.ts reads, and what a
// wake-up does when a window keeps an automated sync closed (record it; wake again when it opens).
import type { App, Cluster, Project } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import { wakeUpGroup, type SyncJob } from '../domain/sync-job.js';
import { windowMatches, windowVerdict, type WindowVerdict } from '../domain/sync-window.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { blankStatus } from './app-status.js';
import { commitStep, type Control } from './deps.js';

export interface WindowFacts {
  manual: WindowVerdict;
  automated: WindowVerdict;
}

export const windowClosedCondition = 'SyncWindowClosed';

/** Undefined when no window of the project concerns the app (it may sync at any time). */
export function windowFactsOf(
  app: App,
  project: Project,
  cluster: Cluster | undefined,
  now: number,
): WindowFacts | undefined {
  const subject = {
    app: app.name,
    namespace: app.destination.namespace ?? '',
    clusters: [app.destination.name, app.destination.server, cluster?.name].filter(
      (x): x is string => typeof x === 'string',
    ),
  };
  const windows = (project.syncWindows ?? []).filter((w) => windowMatches(w, subject));
  if (windows.length === 0) return undefined;
  return { manual: windowVerdict(windows, true, now), automated: windowVerdict(windows, false, now) };
}

/** The sentence status and the API show for a closed window. */
export function windowClosedMessage(v: Exclude<WindowVerdict, { open: true }>): string {
  const until = v.opensAt !== undefined ? new Date(v.opensAt).toISOString() : 'no opening within a year';
  return `sync window closed until ${until}: ${v.reason}`;
}

/** SQS delays a message by at most 15 minutes: longer waits are a chain of delayed wake-ups. */
const maxDelaySeconds = 900;

/**
 * An automated sync waits for its window: the status says so (the app's sync state is kept), the
 * request is consumed (the decision is level-triggered: the new revision is still new when the
 * window opens), and a delayed wake-up is sent toward the opening — one chain per app: only a
 * wake-up of the chain, or the first one to find the window closed, sends the next. The drift check
 * wakes every app too, so a lost message delays the sync by at most one drift interval.
 */
export async function recordWindowClosed(
  c: Control,
  lease: Lease,
  app: App,
  verdict: Exclude<WindowVerdict, { open: true }>,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
  job: SyncJob,
): Promise<void> {
  const now = c.clock.now();
  const message = windowClosedMessage(verdict);
  const had = status?.conditions?.find((k) => k.type === windowClosedCondition);
  await commitStep(c, lease, {
    status: {
      ...blankStatus(app.name, status),
      conditions: [
        ...(status?.conditions ?? []).filter((k) => k.type !== windowClosedCondition),
        { type: windowClosedCondition, message, at: new Date(now).toISOString() },
      ],
    },
    consumedRequestAt: request?.requestedAt,
  });
  c.log.info('sync window closed; the sync waits', { app: app.name, opensAt: verdict.opensAt });
  const chained = job.reason === 'poll' && job.chainStartedAt !== undefined;
  if (verdict.opensAt === undefined || (had && !chained)) return;
  const delaySeconds = Math.min(maxDelaySeconds, Math.max(1, Math.ceil((verdict.opensAt - now) / 1000)));
  await c.queue.send(
    {
      app: app.name,
      reason: 'poll',
      group: wakeUpGroup(app),
      requestedAt: now,
      chainStartedAt: job.chainStartedAt ?? now,
    },
    { delaySeconds },
  );
}

/** Once the app may sync, its SyncWindowClosed and DependencyWaiting conditions go. */
export function withoutWaitConditions(conditions: AppStatus['conditions']): AppStatus['conditions'] {
  return conditions?.filter((k) => k.type !== windowClosedCondition && k.type !== 'DependencyWaiting');
}
