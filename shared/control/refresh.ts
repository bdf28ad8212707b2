// No sync wanted: compare live with desired (a dry run with prune, so removals count) and record
// Synced/OutOfSync, health and drift; a self-healing app with drift is woken to sync right away.
import type { AppStatus } from '../domain/status.js';
import { wakeUpGroup, type SyncJob } from '../domain/sync-job.js';
import { stepSync } from '../engine/sync-operation.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { assessDesiredHealth } from './app-health.js';
import { blankStatus, recentlySynced, resourceStatuses } from './app-status.js';
import { desiredRefs, driftText, recordComparisonError } from './comparison.js';
import { commitStep, openCluster, releaseCluster, type Control, type SyncTarget } from './deps.js';
import { notifyStatusChange } from './notifications.js';
import { wakeParentOnHealthChange, withChildrenHealth } from './child-apps.js';
import { renderDesiredWithChildren, renderKeyOf } from './desired-state.js';
import { scheduleHealthRecheck } from './health-recheck.js';
import { withSharedResourceConditions } from './shared-resources.js';
import { isSelfHealing, syncOptionsOf } from './sync-options.js';

export async function refreshApp(
  c: Control,
  lease: Lease,
  { app, cluster, project }: SyncTarget,
  revision: string,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
  job?: SyncJob,
): Promise<void> {
  const rm = await openCluster(c, cluster);
  try {
    const inventory = await c.store.getInventory(app.name);
    const now = new Date(c.clock.now()).toISOString();
    let rendered: Awaited<ReturnType<typeof renderDesiredWithChildren>>;
    try {
      rendered = await renderDesiredWithChildren(c, app, revision, rm);
    } catch (err) {
      // Git cannot be compared with: sync Unknown with the error (Argo CD's ComparisonError), and
      // health from what is deployed alone.
      const next = await recordComparisonError(
        c,
        lease,
        app.name,
        status,
        request,
        rm,
        inventory,
        revision,
        now,
        err,
      );
      await notifyStatusChange(c, lease, app, status, next);
      return;
    }
    const { state } = await stepSync(
      rm,
      {
        desired: rendered.objects,
        inventory,
        options: {
          ...syncOptionsOf(app, project, request, cluster, c.o.syncTimeoutMs),
          // Child apps only: not an empty render (child-apps.ts).
          ...(rendered.hasChildren ? { allowEmpty: true } : {}),
          dryRun: true,
          prune: true,
        },
      },
      undefined,
      c.clock,
    );
    const changes = state.results.filter((r) => r.action !== 'unchanged' && r.action !== 'skipped');
    const health = await assessDesiredHealth(rm, inventory, desiredRefs(state.results));
    const appHealth = await withChildrenHealth(c, app.name, health?.health ?? { status: 'Unknown' });
    const next: AppStatus = {
      ...blankStatus(app.name, status),
      sync: {
        status: state.phase === 'Succeeded' ? (changes.length === 0 ? 'Synced' : 'OutOfSync') : 'Unknown',
        revision,
        comparedAt: now,
        ...(state.phase === 'Succeeded' ? { renderKey: renderKeyOf(app, revision) } : {}),
      },
      health: appHealth,
      resources: resourceStatuses(state.results, health?.resources, { compared: true }),
      conditions:
        state.phase === 'Succeeded'
          ? withSharedResourceConditions(
              status?.conditions?.filter((k) => k.type !== 'ComparisonError'),
              state.warnings,
              now,
            )
          : [{ type: 'ComparisonError', message: state.message ?? 'comparison failed', at: now }],
      drift: {
        checkedAt: now,
        outOfSync: changes.length,
        diff: driftText(changes),
        ...(state.phase === 'Succeeded' ? {} : { error: state.message ?? 'comparison failed' }),
      },
    };
    await commitStep(c, lease, { status: next, consumedRequestAt: request?.requestedAt });
    await notifyStatusChange(c, lease, app, status, next);
    await wakeParentOnHealthChange(c, app, status?.health, appHealth);
    if (isSelfHealing(app) && changes.length > 0 && state.phase === 'Succeeded') {
      // Drift found on a self-healing app: the next wake-up (right away) syncs it.
      await c.queue.send({
        app: app.name,
        reason: 'drift',
        requestedAt: c.clock.now(),
        group: wakeUpGroup(app),
      });
      c.log.info('drift found; self-healing', { app: app.name, outOfSync: changes.length });
    } else if (recentlySynced(status, c.clock.now()) || job?.reason === 'health') {
      // Keep health current while a rollout that Gitferry started is still progressing: health
      // rechecks from here on read health only (health-recheck.ts), never render.
      await scheduleHealthRecheck(
        c,
        job?.reason === 'health' ? job : { app: app.name, group: wakeUpGroup(app) },
        next,
        cluster.name,
      );
    }
  } finally {
    releaseCluster(c, rm);
  }
}
