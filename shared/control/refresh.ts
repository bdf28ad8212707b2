// No sync wanted: compare live with desired (a dry run with prune, so removals count) and record
// Synced/OutOfSync, health and drift; a self-healing app with drift is woken to sync right away.
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import { assessAppHealth } from '../engine/assess.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync } from '../engine/sync-operation.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { blankStatus, recentlySynced, resourceStatuses } from './app-status.js';
import { commitStep, type Control, type SyncTarget } from './deps.js';
import { renderDesired, renderKeyOf } from './desired-state.js';
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
  const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
  try {
    const inventory = await c.store.getInventory(app.name);
    const desired = await renderDesired(c, app, revision, rm);
    const { state } = await stepSync(
      rm,
      {
        desired,
        inventory,
        options: {
          ...syncOptionsOf(app, project, request, cluster, c.o.syncTimeoutMs),
          dryRun: true,
          prune: true,
        },
      },
      undefined,
      c.clock,
    );
    const changes = state.results.filter((r) => r.action !== 'unchanged' && r.action !== 'skipped');
    const health = await assessAppHealth(rm, inventory).catch(() => undefined);
    const now = new Date(c.clock.now()).toISOString();
    await commitStep(c, lease, {
      status: {
        ...blankStatus(app.name, status),
        sync: {
          status: state.phase === 'Succeeded' ? (changes.length === 0 ? 'Synced' : 'OutOfSync') : 'Unknown',
          revision,
          comparedAt: now,
          ...(state.phase === 'Succeeded' ? { renderKey: renderKeyOf(app, revision) } : {}),
        },
        health: health?.health ?? { status: 'Unknown' },
        resources: resourceStatuses(state.results, health?.resources),
        conditions: withSharedResourceConditions(status?.conditions, state.warnings, now),
        drift: {
          checkedAt: now,
          outOfSync: changes.length,
          diff: changes.map((ch) => ch.diff ?? '').join('\n') || undefined,
        },
      },
      consumedRequestAt: request?.requestedAt,
    });
    if (isSelfHealing(app) && changes.length > 0 && state.phase === 'Succeeded') {
      // Drift found on a self-healing app: the next wake-up (right away) syncs it.
      await c.queue.send({ app: app.name, reason: 'drift', requestedAt: c.clock.now() });
      c.log.info('drift found; self-healing', { app: app.name, outOfSync: changes.length });
    } else if (recentlySynced(status, c.clock.now()) || job?.reason === 'health') {
      // Keep health current while a rollout that Gitferry started is still progressing: health
      // rechecks from here on read health only (health-recheck.ts), never render.
      await scheduleHealthRecheck(c, job?.reason === 'health' ? job : { app: app.name }, health?.health);
    }
  } finally {
    rm.close();
  }
}
