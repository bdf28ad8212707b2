// Health that stays current without re-rendering: after a sync (or a refresh, or a drift check
// that saw health change) the app's health is read again from the live objects of its inventory,
// backing off (2 → 5 → 10 → 30 s), until it is no longer Progressing or the chain's bound is
// reached. Nothing is fetched, rendered or dry-run here: a Progressing app costs a few reads.
// Rechecks are per cluster (cluster-health-recheck.ts): one wake-up reads every Progressing app of
// a cluster, and the apps going Progressing meanwhile join the wake-up already due instead of
// sending their own.
import type { HealthStatus } from '../domain/health.js';
import { refKey } from '../domain/kube-object.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { LiveObjects, ResourceHealth } from '../engine/assess.js';
import type { Lease } from '../ports/state-store.js';
import { assessDesiredHealth } from './app-health.js';
import { blankStatus, healthUnsettled } from './app-status.js';
import { wakeParentOnHealthChange, withChildrenHealth } from './child-apps.js';
import { commitStep, openCluster, releaseCluster, type Control, type SyncTarget } from './deps.js';
import { notifyStatusChange } from './notifications.js';
import { scheduleClusterRecheck } from './cluster-health-recheck.js';

/**
 * Reads the app's health (live objects only), records it, and schedules the next recheck while
 * Progressing. Within a cluster's recheck (`batch`), the objects it read already are not read
 * again, and the cluster's recheck schedules the next one.
 */
export async function recheckHealth(
  c: Control,
  lease: Lease,
  { app, cluster }: SyncTarget,
  status: AppStatus | undefined,
  job: SyncJob,
  batch?: { live: LiveObjects },
): Promise<void> {
  const rm = await openCluster(c, cluster);
  try {
    const inventory = await c.store.getInventory(app.name);
    // As after a sync: nothing deployed is Missing, and an app of apps is as healthy as its children.
    const assessed = (await assessDesiredHealth(rm, inventory, [], batch?.live)) ?? {
      health: { status: 'Unknown' as const, message: 'the cluster could not be read' },
      resources: [],
    };
    const own = await withChildrenHealth(c, app.name, assessed.health);
    const hop = job.hop ?? 0;
    const bounded = own.status === 'Progressing' && hop >= c.o.bounds.healthChain;
    const health: HealthStatus = bounded
      ? {
          ...own,
          message: `${own.message ? `${own.message}; ` : ''}still Progressing after ${hop} health rechecks: the drift check looks again`,
        }
      : own;
    const previous = blankStatus(app.name, status);
    const next = { ...previous, health, resources: withHealth(previous.resources, assessed.resources) };
    await commitStep(c, lease, { status: next });
    await notifyStatusChange(c, lease, app, status, next);
    // A child app whose health moved wakes its parent (whose health includes it).
    await wakeParentOnHealthChange(c, app, status?.health, health);
    if (bounded)
      c.log.warn('health recheck chain bounded', {
        app: app.name,
        hops: hop,
        chainStartedAt: job.chainStartedAt,
      });
    else if (!batch) await scheduleHealthRecheck(c, job, next, cluster.name);
  } finally {
    releaseCluster(c, rm);
  }
}

/**
 * While health is unsettled (Progressing, or Degraded just after a sync: healthUnsettled), the
 * next recheck of job's chain (a sync, refresh or drift check starts a new chain: pass a job
 * without `hop`): a recheck of the app's whole cluster, unless one is due already
 * (scheduleClusterRecheck).
 */
export async function scheduleHealthRecheck(
  c: Control,
  job: Pick<SyncJob, 'app' | 'hop' | 'chainStartedAt' | 'group'>,
  status: Pick<AppStatus, 'health' | 'operation'>,
  cluster: string,
): Promise<void> {
  if (!healthUnsettled(status, c.clock.now())) return;
  await scheduleClusterRecheck(c, cluster, job);
}

/** The resource rows with each object's health replaced by what was just read. */
function withHealth(rows: AppStatus['resources'], read: ResourceHealth[]): AppStatus['resources'] {
  const byKey = new Map(read.map((r) => [refKey(r.ref), r.health]));
  return rows.map((row) =>
    byKey.has(refKey(row.ref)) ? { ...row, health: byKey.get(refKey(row.ref)) } : row,
  );
}
