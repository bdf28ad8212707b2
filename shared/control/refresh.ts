// No sync wanted: compare live with desired (a dry run with prune, so removals count) and record
// Synced/OutOfSync, health and drift; a self-healing app with drift is woken to sync right away.
import type { AppStatus } from '../domain/status.js';
import { assessAppHealth } from '../engine/assess.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync } from '../engine/sync-operation.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { blankStatus, recentlySynced, resourceStatuses } from './app-status.js';
import { commitStep, type Control, type SyncTarget } from './deps.js';
import { wakeParentOnHealthChange, withChildrenHealth } from './child-apps.js';
import { renderDesiredWithChildren } from './desired-state.js';
import { isSelfHealing, syncOptionsOf } from './sync-options.js';

export async function refreshApp(
  c: Control,
  lease: Lease,
  { app, cluster, project }: SyncTarget,
  revision: string,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
): Promise<void> {
  const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
  try {
    const inventory = await c.store.getInventory(app.name);
    const rendered = await renderDesiredWithChildren(c, app, revision, rm);
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
    const health = await assessAppHealth(rm, inventory).catch(() => undefined);
    const appHealth = await withChildrenHealth(c, app.name, health?.health ?? { status: 'Unknown' });
    const now = new Date(c.clock.now()).toISOString();
    await commitStep(c, lease, {
      status: {
        ...blankStatus(app.name, status),
        sync: {
          status: state.phase === 'Succeeded' ? (changes.length === 0 ? 'Synced' : 'OutOfSync') : 'Unknown',
          revision,
          comparedAt: now,
        },
        health: appHealth,
        resources: resourceStatuses(state.results, health?.resources),
        drift: {
          checkedAt: now,
          outOfSync: changes.length,
          diff: changes.map((ch) => ch.diff ?? '').join('\n') || undefined,
        },
      },
      consumedRequestAt: request?.requestedAt,
    });
    await wakeParentOnHealthChange(c, app, status?.health, appHealth);
    if (isSelfHealing(app) && changes.length > 0 && state.phase === 'Succeeded') {
      // Drift found on a self-healing app: the next wake-up (right away) syncs it.
      await c.queue.send({ app: app.name, reason: 'drift', requestedAt: c.clock.now() });
      c.log.info('drift found; self-healing', { app: app.name, outOfSync: changes.length });
    } else if (health?.health.status === 'Progressing' && recentlySynced(status, c.clock.now())) {
      // Keep health current while a rollout that Gitferry started is still progressing.
      await c.queue.send(
        { app: app.name, reason: 'refresh', requestedAt: c.clock.now() },
        { delaySeconds: c.o.healthRecheckSeconds },
      );
    }
  } finally {
    rm.close();
  }
}
