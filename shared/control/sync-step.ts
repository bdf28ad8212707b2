// One engine step of an app's operation, recorded with the lease as fence, then the next wake-up:
// continue (the engine waits), retry (failed, with backoff) or a health recheck (Progressing).
import type { AppStatus, SyncRun } from '../domain/status.js';
import { assessAppHealth } from '../engine/assess.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync, type SyncState } from '../engine/sync-operation.js';
import type { Lease, StoredOperation, SyncRequest } from '../ports/state-store.js';
import { blankStatus, failedState, operationOf, resourceStatuses } from './app-status.js';
import { commitStep, type Control, type SyncTarget } from './deps.js';
import {
  childAppConditions,
  childAppsSummary,
  reconcileChildApps,
  wakeParentOnHealthChange,
  withChildrenHealth,
  type ChildManifests,
} from './child-apps.js';
import { renderDesiredWithChildren } from './desired-state.js';
import { retryDelayMs } from './retry.js';
import { isDryRun, retryPolicyOf, syncOptionsOf } from './sync-options.js';

export type StepOutcome = 'stepped' | 'finished';

export async function runSyncStep(
  c: Control,
  lease: Lease,
  { app, cluster, project }: SyncTarget,
  op: StoredOperation,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
): Promise<StepOutcome> {
  const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
  try {
    const inventory = await c.store.getInventory(app.name);
    let stepped: { state: SyncState; nextStepInMs?: number };
    let children: ChildManifests | undefined;
    try {
      const rendered = await renderDesiredWithChildren(c, app, op.revision, rm);
      children = rendered.children;
      const options = syncOptionsOf(app, project, request, cluster, c.o.syncTimeoutMs);
      stepped = await stepSync(
        rm,
        {
          desired: rendered.objects,
          inventory,
          // A render of child apps only is not empty: it applies nothing and registers the children.
          options: { ...options, allowEmpty: options.allowEmpty || rendered.hasChildren },
        },
        op.state as SyncState | undefined,
        c.clock,
      );
    } catch (err) {
      // Fetch or render failed: nothing was applied; the run fails (and never prunes).
      stepped = { state: failedState(op, inventory, (err as Error).message, c.clock.now()) };
    }
    const { state, nextStepInMs } = stepped;
    const now = c.clock.now();
    if (nextStepInMs !== undefined) {
      await commitStep(c, lease, {
        operation: { ...op, state },
        inventory: state.inventory,
        status: { ...blankStatus(app.name, status), operation: operationOf(op, state, 'Running') },
        consumedRequestAt: request?.requestedAt,
      });
      await c.queue.send(
        { app: app.name, reason: 'continue', requestedAt: now },
        { delaySeconds: Math.ceil(nextStepInMs / 1000) },
      );
      c.log.info('sync step done, continuing', {
        app: app.name,
        revision: op.revision,
        waitingFor: state.waitingFor,
      });
      return 'stepped';
    }

    const retryIn = state.phase === 'Failed' ? retryDelayMs(retryPolicyOf(app), op.attempt) : undefined;
    const health = await assessAppHealth(rm, state.inventory).catch(() => undefined);
    const synced = state.phase === 'Succeeded' && !isDryRun(request);
    const childApps =
      synced && children
        ? await reconcileChildApps(c, app, project, children, {
            prune: syncOptionsOf(app, project, request, cluster, c.o.syncTimeoutMs).prune === true,
          })
        : undefined;
    const appHealth = await withChildrenHealth(c, app.name, health?.health ?? { status: 'Unknown' });
    const finished = childApps
      ? { ...state, message: `${state.message}${childAppsSummary(childApps)}` }
      : state;
    const run: SyncRun = {
      app: app.name,
      id: op.runId,
      revision: op.revision,
      reason: op.reason,
      phase: state.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      message: finished.message,
      startedAt: new Date(op.startedAt).toISOString(),
      finishedAt: new Date(now).toISOString(),
      results: state.results,
    };
    await commitStep(c, lease, {
      run,
      inventory: state.inventory,
      operation: retryIn !== undefined ? { ...op, state: undefined, attempt: op.attempt + 1 } : null,
      status: {
        ...blankStatus(app.name, status),
        sync: synced
          ? { status: 'Synced', revision: op.revision, comparedAt: new Date(now).toISOString() }
          : { status: 'OutOfSync', revision: op.revision },
        health: appHealth,
        resources: resourceStatuses(state.results, health?.resources),
        operation: operationOf(op, finished, run.phase),
        conditions: childAppConditions(childApps, now),
      },
      consumedRequestAt: request?.requestedAt,
    });
    await wakeParentOnHealthChange(c, app, status?.health, appHealth);
    if (retryIn !== undefined) {
      await c.queue.send(
        { app: app.name, reason: 'retry', requestedAt: now },
        { delaySeconds: Math.ceil(retryIn / 1000) },
      );
    } else if (health?.health.status === 'Progressing') {
      await c.queue.send(
        { app: app.name, reason: 'refresh', requestedAt: now },
        { delaySeconds: c.o.healthRecheckSeconds },
      );
    }
    c.log.info('sync finished', {
      app: app.name,
      revision: op.revision,
      phase: run.phase,
      attempt: op.attempt,
      outcome: state.message, // not `message`: that key is the log line's own
    });
    return 'finished';
  } finally {
    rm.close();
  }
}
