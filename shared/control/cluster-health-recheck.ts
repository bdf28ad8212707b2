// Health rechecks per cluster: one wake-up reads the live state of every Progressing app on a
// cluster with one LIST per kind and namespace (readLiveObjects, as the drift check reads), and
// records the health of each app whose health moved under that app's own lease (the wake-up
// handler's health path, given the objects already read). Apps going Progressing while a recheck
// of their cluster is due join it: a claim in the store, one per cluster, is held from when a
// recheck is scheduled until it starts, so the wake-ups per cluster follow the backoff
// (2 → 5 → 10 → 30 s) whatever the number of apps, instead of one chain per app.
import pLimit from 'p-limit';
import type { App } from '../domain/app.js';
import { destinationKeyOf } from '../domain/drift-view.js';
import type { AppStatus } from '../domain/status.js';
import type { InventoryEntry } from '../domain/kube-object.js';
import type { SyncJob } from '../domain/sync-job.js';
import { batchReadOptions, readLiveObjects, type LiveObjects } from '../engine/assess.js';
import { assessDesiredHealth } from './app-health.js';
import { healthUnsettled } from './app-status.js';
import { openCluster, releaseCluster, type Control } from './deps.js';
import { backoffSeconds } from './wake-bounds.js';

/** Apps whose status and inventory are read at once. */
const storeReadConcurrency = 16;
/** Apps whose moved health is recorded at once (each under its own lease). */
const recordConcurrency = 4;
/**
 * How long a claim outlives its wake-up's delay: the wake-up forgets it when it starts, so this
 * only matters for a wake-up that is late (a long queue) or lost (the cluster's rechecks then wait
 * this much longer, and the drift check looks anyway).
 */
const claimSlackSeconds = 30;

/**
 * The claim's key among the store's once-per-TTL records (recordDelivery): webhook deliveries are
 * kept as `<provider>:<id>`, with a provider from code, so no webhook can take or clear a claim.
 */
const claimKey = (cluster: string) => `health-recheck:${cluster}`;

/**
 * Schedules the next recheck of `cluster` in job's chain (2 → 5 → 10 → 30 s by its hop), unless
 * one is due already: then the apps of this chain are rechecked by that one. True if sent.
 */
export async function scheduleClusterRecheck(
  c: Control,
  cluster: string,
  job: Pick<SyncJob, 'app' | 'hop' | 'chainStartedAt' | 'group'>,
): Promise<boolean> {
  const hop = job.hop ?? 0;
  const now = c.clock.now();
  const delaySeconds = backoffSeconds(hop, c.o.backoffSeconds);
  if (!(await c.store.recordDelivery(claimKey(cluster), delaySeconds + claimSlackSeconds, now))) return false;
  try {
    await c.queue.send(
      {
        app: job.app,
        reason: 'health',
        cluster,
        ...(job.group ? { group: job.group } : {}),
        requestedAt: now,
        hop: hop + 1,
        chainStartedAt: job.chainStartedAt ?? now,
      },
      { delaySeconds },
    );
  } catch (err) {
    // Not sent: the next app going Progressing must be able to schedule one.
    await c.store.forgetDelivery(claimKey(cluster)).catch(() => {});
    throw err;
  }
  return true;
}

export interface ClusterRecheck {
  /** Apps Progressing, or Degraded just after a sync (and not syncing), when the recheck started. */
  progressing: number;
  /** Apps whose health moved (or whose chain reached its bound), recorded under their lease. */
  recorded: number;
  /** Apps still unsettled afterwards: the next recheck is scheduled for them. */
  still: number;
  /** Statuses read: the apps whose drift views did not say they are settled. */
  statusReads: number;
}

/**
 * One recheck of every Progressing app of job.cluster. `recordApp` records one app's health under
 * its lease from the objects read here (WakeUpHandler.handle with them).
 */
export async function recheckClusterHealth(
  c: Control,
  job: SyncJob & { cluster: string },
  recordApp: (job: SyncJob, live: LiveObjects) => Promise<unknown>,
): Promise<ClusterRecheck> {
  // This recheck is no longer due: apps going Progressing from now on schedule the next one.
  await c.store.forgetDelivery(claimKey(job.cluster));
  const result: ClusterRecheck = { progressing: 0, recorded: 0, still: 0, statusReads: 0 };
  const cluster = await c.store.getCluster(job.cluster);
  if (!cluster) return result;
  const hop = job.hop ?? 0;
  const bounded = hop >= c.o.bounds.healthChain;
  const apps = (await c.store.listApps()).filter((a) => destinationKeyOf(a) === job.cluster);
  const now = c.clock.now();
  // The cluster's drift views say which apps are settled (Healthy, Missing, Suspended…) without
  // reading their statuses: only the others' are read (a Degraded one may be just after a sync,
  // which its view does not say). An app without a view is read as before.
  const views = new Map((await c.store.listDriftViews(job.cluster)).map((v) => [v.app, v]));
  const readLimit = pLimit(storeReadConcurrency);
  const progressing = (
    await Promise.all(
      apps.map((app) =>
        readLimit(async () => {
          const view = views.get(app.name);
          const seen = view?.status?.health;
          if (seen !== undefined && seen !== 'Progressing' && seen !== 'Degraded') return undefined;
          result.statusReads++;
          const status = await c.store.getStatus(app.name);
          // A running sync assesses health itself when it finishes.
          if (!status || !healthUnsettled(status, now) || status.operation?.phase === 'Running')
            return undefined;
          return { app, status, inventory: view?.inventory ?? (await c.store.getInventory(app.name)) };
        }),
      ),
    )
  ).filter((p): p is { app: App; status: AppStatus; inventory: InventoryEntry[] } => p !== undefined);
  result.progressing = progressing.length;
  if (progressing.length === 0) return result;

  const rm = await openCluster(c, cluster);
  try {
    // Unreadable: every app takes its own path, which records Unknown, as a recheck of one app does.
    const live: LiveObjects = await readLiveObjects(
      rm,
      progressing.flatMap((p) => p.inventory),
      batchReadOptions,
    ).then(
      (read) => read.live,
      () => new Map(),
    );
    const recordLimit = pLimit(recordConcurrency);
    await Promise.all(
      progressing.map(({ app, status, inventory }) =>
        recordLimit(async () => {
          const assessed = live.size > 0 ? await assessDesiredHealth(rm, inventory, [], live) : undefined;
          const moved =
            !assessed ||
            assessed.health.status !== status.health.status ||
            assessed.health.message !== status.health.message;
          if (moved || bounded) {
            result.recorded++;
            await recordApp(
              {
                app: app.name,
                reason: 'health',
                requestedAt: c.clock.now(),
                hop,
                chainStartedAt: job.chainStartedAt,
              },
              live,
            );
          }
          if (assessed && healthUnsettled({ ...status, health: assessed.health }, now)) result.still++;
        }),
      ),
    );
  } finally {
    releaseCluster(c, rm);
  }
  if (result.still > 0 && !bounded) await scheduleClusterRecheck(c, job.cluster, job);
  return result;
}
