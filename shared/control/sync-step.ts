// One engine step of an app's operation, recorded with the lease as fence, then the next wake-up:
// continue (the engine waits), retry (failed, with backoff) or a health recheck (Progressing).
import type { App } from '../domain/app.js';
import type { AppStatus, SyncRun } from '../domain/status.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync, type SyncState } from '../engine/sync-operation.js';
import type { Lease, StoredOperation, SyncRequest } from '../ports/state-store.js';
import { assessDesiredHealth } from './app-health.js';
import { blankStatus, failedState, operationOf, resourceStatuses, withBoundedDiffs } from './app-status.js';
import { commitStep, type Control, type SyncTarget } from './deps.js';
import { renderDesired } from './desired-state.js';
import { specFingerprintOf } from './operation-spec.js';
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
  // The request the operation started for: its options hold for every step, whatever came since
  // (operations stored before it was kept fall back to the pending one, as before).
  const started = op.app ? op.request : request;
  try {
    const inventory = await c.store.getInventory(app.name);
    let stepped: { state: SyncState; nextStepInMs?: number };
    let renderError: string | undefined;
    try {
      const desired = await renderDesired(c, app, op.revision, rm).catch((err: Error) => {
        renderError = err.message;
        throw err;
      });
      stepped = await stepSync(
        rm,
        { desired, inventory, options: syncOptionsOf(app, project, started, cluster, c.o.syncTimeoutMs) },
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
        status: {
          ...blankStatus(app.name, status),
          operation: { ...operationOf(op, state, 'Running'), ...tagsOf(op, started) },
        },
        consumedRequestAt: started?.requestedAt,
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
    const health = await assessDesiredHealth(
      rm,
      state.inventory,
      state.planned.map((p) => p.ref),
    );
    const run: SyncRun = {
      app: app.name,
      id: op.runId,
      revision: op.revision,
      reason: op.reason,
      phase: state.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      message: state.message,
      startedAt: new Date(op.startedAt).toISOString(),
      finishedAt: new Date(now).toISOString(),
      results: withBoundedDiffs(state.results),
    };
    const synced = state.phase === 'Succeeded' && !isDryRun(started);
    const at = new Date(now).toISOString();
    await commitStep(c, lease, {
      run,
      inventory: state.inventory,
      operation: retryIn !== undefined ? { ...op, state: undefined, attempt: op.attempt + 1 } : null,
      status: {
        ...blankStatus(app.name, status),
        // A render error leaves Git uncompared: Unknown with the error (Argo CD's ComparisonError).
        sync: synced
          ? { status: 'Synced', revision: op.revision, comparedAt: at }
          : { status: renderError !== undefined ? 'Unknown' : 'OutOfSync', revision: op.revision },
        health: health?.health ?? { status: 'Unknown' },
        resources: resourceStatuses(state.results, health?.resources),
        operation: { ...operationOf(op, state, run.phase), ...tagsOf(op, started) },
        conditions: renderError !== undefined ? [{ type: 'ComparisonError', message: renderError, at }] : [],
      },
      consumedRequestAt: started?.requestedAt,
    });
    // Work asked for while this operation ran (a sync, a new revision, a new spec) was left for after it.
    if (retryIn === undefined && request && request.requestedAt !== started?.requestedAt)
      await c.queue.send({ app: app.name, reason: request.reason, requestedAt: request.requestedAt });
    else if (retryIn === undefined && op.app && (await specMoved(c, op.app)))
      await c.queue.send({ app: app.name, reason: 'refresh', requestedAt: now });
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

/** The app was saved with another source or destination while the operation ran on its copy. */
async function specMoved(c: Control, ran: App): Promise<boolean> {
  const current = await c.store.getApp(ran.name);
  return current !== undefined && specFingerprintOf(current) !== specFingerprintOf(ran);
}

/** What identifies an operation in the status: the request it serves and the spec it ran. */
function tagsOf(
  op: StoredOperation,
  started: SyncRequest | undefined,
): { requestedAt?: number; spec?: string } {
  return {
    ...(started ? { requestedAt: started.requestedAt } : {}),
    ...(op.app ? { spec: specFingerprintOf(op.app) } : {}),
  };
}
