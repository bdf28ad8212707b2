// One engine step of an app's operation, recorded with the lease as fence, then the next wake-up:
// continue (the engine waits: backing off 2 → 5 → 10 → 30 s), retry (failed, with backoff) or a
// health recheck (Progressing). The render is kept with the operation, so a sync that waits does
// not fetch or render again on each wake-up; an operation that reaches its bound of wake-ups
// ends Failed, saying so in its history.
import type { App } from '../domain/app.js';
import type { AppStatus, SyncRun } from '../domain/status.js';
import { wakeUpGroup, type SyncJob } from '../domain/sync-job.js';
import { stepSync, type SyncState, type SyncStepResult } from '../engine/sync-operation.js';
import type { ResourceManager } from '../engine/resource-manager.js';
import type { Lease, StoredOperation, SyncRequest } from '../ports/state-store.js';
import { assessDesiredHealth } from './app-health.js';
import { blankStatus, failedState, operationOf, resourceStatuses, withBoundedDiffs } from './app-status.js';
import { commitStep, openCluster, releaseCluster, type Control, type SyncTarget } from './deps.js';
import { notifyStatusChange } from './notifications.js';
import {
  childAppConditions,
  childAppsSummary,
  reconcileChildApps,
  wakeParentOnHealthChange,
  withChildrenHealth,
  type ChildManifests,
} from './child-apps.js';
import { renderDesiredWithChildren, renderKeyOf } from './desired-state.js';
import { scheduleHealthRecheck } from './health-recheck.js';
import { specFingerprintOf } from './operation-spec.js';
import { retryDelayMs } from './retry.js';
import { runReasonNote } from './auto-rollback.js';
import { withSharedResourceConditions } from './shared-resources.js';
import { isDryRun, operationTimeoutMs, retryPolicyOf, syncOptionsOf } from './sync-options.js';
import { backoffSeconds } from './wake-bounds.js';

export type StepOutcome = 'stepped' | 'finished';

export async function runSyncStep(
  c: Control,
  lease: Lease,
  { app, cluster, project }: SyncTarget,
  op: StoredOperation,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
  job?: SyncJob,
): Promise<StepOutcome> {
  const rm = await openCluster(c, cluster);
  // The request the operation started for: its options hold for every step, whatever came since
  // (operations stored before it was kept fall back to the pending one, as before).
  const started = op.app ? op.request : request;
  // The deadline is fixed by the first step: a request arriving mid-operation does not move it.
  const timeoutMs = op.timeoutMs ?? operationTimeoutMs(started, c.o.syncTimeoutMs);
  op = { ...op, timeoutMs };
  try {
    const inventory = await c.store.getInventory(app.name);
    const wakeUps = (op.wakeUps ?? 0) + 1;
    let stepped: SyncStepResult;
    // A render kept with the operation never has child apps (one with children is not kept), so
    // its children are none: a parent's last step still reconciles (and prunes) its children.
    let desired = op.desired;
    let children: ChildManifests | undefined = desired ? { applications: [], projects: [] } : undefined;
    let hasChildren = false;
    let renderError: string | undefined;
    try {
      if (!desired) {
        const rendered = await renderDesiredWithChildren(c, app, op.revision, rm).catch((err: Error) => {
          renderError = err.message;
          throw err;
        });
        desired = rendered.objects;
        children = rendered.children;
        hasChildren = rendered.hasChildren;
      }
      const options = syncOptionsOf(app, project, started, cluster, timeoutMs);
      stepped = await stepSync(
        rm,
        {
          desired,
          inventory,
          observe: true,
          // A render of child apps only is not empty: it applies nothing and registers the children.
          options: { ...options, allowEmpty: options.allowEmpty || hasChildren },
        },
        op.state as SyncState | undefined,
        c.clock,
      );
    } catch (err) {
      // Fetch or render failed: nothing was applied; the run fails (and never prunes).
      stepped = { state: failedState(op, inventory, (err as Error).message, c.clock.now()) };
    }
    const now = c.clock.now();
    if (stepped.nextStepInMs !== undefined && wakeUps >= c.o.bounds.perOperation)
      stepped = { state: boundedState(op, stepped.state, wakeUps, now) };
    const { state, nextStepInMs } = stepped;
    if (nextStepInMs !== undefined) {
      // A wait (the engine asks to be called later) backs off while one task waits; a
      // step that only ran out of its time budget continues at once.
      const waiting = nextStepInMs > 0;
      const previous = op.state as SyncState | undefined;
      // The same task waiting again (its message may change as a rollout moves): the next delay.
      const waits =
        waiting && previous?.waitingFor !== undefined && previous.cursor === state.cursor
          ? (op.waits ?? 0) + 1
          : 0;
      const delaySeconds = waiting ? backoffSeconds(waits, c.o.backoffSeconds) : 0;
      const running: AppStatus = {
        ...blankStatus(app.name, status),
        operation: { ...operationOf(op, state, 'Running'), ...tagsOf(op, started) },
      };
      await commitStep(c, lease, {
        operation: { ...op, state, wakeUps, waits, desired: hasChildren ? undefined : cacheable(desired) },
        inventory: state.inventory,
        status: running,
        consumedRequestAt: started?.requestedAt,
      });
      await notifyStatusChange(c, lease, app, status, running);
      await c.queue.send(
        {
          app: app.name,
          reason: 'continue',
          group: wakeUpGroup(app),
          requestedAt: now,
          hop: (job?.hop ?? 0) + 1,
          chainStartedAt: op.startedAt,
        },
        { delaySeconds },
      );
      c.log.info('sync step done, continuing', {
        app: app.name,
        revision: op.revision,
        waitingFor: state.waitingFor,
        wakeUps,
        delaySeconds,
      });
      return 'stepped';
    }

    const retryIn = state.phase === 'Failed' ? retryDelayMs(retryPolicyOf(app), op.attempt) : undefined;
    // Health from what this step saw (the plan's reads, apply answers); objects it did not see,
    // and those it saw Progressing (an apply answer predates every controller's look), are read.
    const health = await assessDesiredHealth(
      rm,
      state.inventory,
      state.planned.map((p) => p.ref),
      await settledObjects(rm, stepped.observed),
    );
    const synced = state.phase === 'Succeeded' && !isDryRun(started);
    const childApps =
      synced && children
        ? await reconcileChildApps(c, app, project, children, {
            prune: syncOptionsOf(app, project, started, cluster, timeoutMs).prune === true,
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
      ...(op.initiatedBy ? { initiatedBy: op.initiatedBy } : {}),
      phase: state.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      message:
        [runReasonNote(op.reason, app, status), finished.message].filter(Boolean).join(': ') || undefined,
      startedAt: new Date(op.startedAt).toISOString(),
      finishedAt: new Date(now).toISOString(),
      results: withBoundedDiffs(state.results),
    };
    const at = new Date(now).toISOString();
    const finishedStatus: AppStatus = {
      ...blankStatus(app.name, status),
      // A render error leaves Git uncompared: Unknown with the error (Argo CD's ComparisonError).
      sync: synced
        ? {
            status: 'Synced',
            revision: op.revision,
            comparedAt: at,
            renderKey: renderKeyOf(app, op.revision),
          }
        : { status: renderError !== undefined ? 'Unknown' : 'OutOfSync', revision: op.revision },
      health: appHealth,
      resources: resourceStatuses(state.results, health?.resources),
      operation: { ...operationOf(op, finished, run.phase), ...tagsOf(op, started) },
      conditions:
        renderError !== undefined
          ? [{ type: 'ComparisonError', message: renderError, at }]
          : [...withSharedResourceConditions([], state.warnings, at), ...childAppConditions(childApps, now)],
    };
    await commitStep(c, lease, {
      run,
      inventory: state.inventory,
      // A retry starts afresh: its own wake-ups, a new render.
      operation:
        retryIn !== undefined
          ? { ...op, state: undefined, attempt: op.attempt + 1, wakeUps: 0, waits: 0, desired: undefined }
          : null,
      status: finishedStatus,
      consumedRequestAt: started?.requestedAt,
    });
    await notifyStatusChange(c, lease, app, status, finishedStatus);
    // Work asked for while this operation ran (a sync, a new revision, a new spec) was left for after it.
    if (retryIn === undefined && request && request.requestedAt !== started?.requestedAt)
      await c.queue.send({
        app: app.name,
        reason: request.reason,
        requestedAt: request.requestedAt,
        group: wakeUpGroup(app),
      });
    else if (retryIn === undefined && op.app && (await specMoved(c, op.app)))
      await c.queue.send({ app: app.name, reason: 'refresh', requestedAt: now, group: wakeUpGroup(app) });
    await wakeParentOnHealthChange(c, app, status?.health, appHealth);
    if (retryIn !== undefined) {
      await c.queue.send(
        { app: app.name, reason: 'retry', requestedAt: now, group: wakeUpGroup(app) },
        { delaySeconds: Math.ceil(retryIn / 1000) },
      );
    } else {
      // A new chain of health rechecks (health only, no render) while the rollout progresses.
      await scheduleHealthRecheck(
        c,
        { app: app.name, group: wakeUpGroup(app) },
        finishedStatus,
        cluster.name,
      );
    }
    // The shared-resource findings are events too: one log line each, naming both apps.
    for (const w of state.warnings) c.log.warn('shared resource', { app: app.name, warning: w });
    c.log.info('sync finished', {
      app: app.name,
      revision: op.revision,
      phase: run.phase,
      attempt: op.attempt,
      outcome: state.message, // not `message`: that key is the log line's own
    });
    return 'finished';
  } finally {
    releaseCluster(c, rm);
  }
}

/** The objects a step saw, but for those it saw Progressing (read again for the app's health). */
async function settledObjects(
  rm: Pick<ResourceManager, 'assessHealth'>,
  observed: SyncStepResult['observed'],
): Promise<SyncStepResult['observed']> {
  if (!observed) return undefined;
  const settled = new Map(observed);
  for (const [key, live] of observed)
    if ((await rm.assessHealth(live))?.status === 'Progressing') settled.delete(key);
  return settled;
}

/**
 * Renders up to this size (JSON) are kept with the operation; larger ones are rendered again by
 * each step (the renderer's in-process cache still spares a warm worker), so the operation's stored
 * document stays well inside one store transaction.
 */
export const operationRenderCacheMaxBytes = 512 * 1024;

/**
 * What of a render the operation may keep: nothing when it is too large, and nothing when it holds a
 * Secret — Secret data never rests in the state store, so such an operation renders on each step.
 */
export function cacheable(desired: StoredOperation['desired']): StoredOperation['desired'] {
  if (!desired) return undefined;
  if (desired.some(({ object }) => object.kind === 'Secret' && object.apiVersion === 'v1')) return undefined;
  return JSON.stringify(desired).length <= operationRenderCacheMaxBytes ? desired : undefined;
}

/**
 * The operation reached its bound of wake-ups: it ends Failed (what was applied stays in the
 * inventory), and history says why. The app's retry policy, if any, may start it again.
 */
function boundedState(op: StoredOperation, state: SyncState, wakeUps: number, now: number): SyncState {
  const reason = `stopped after ${wakeUps} wake-ups (the bound per operation)${state.waitingFor ? ` waiting for ${state.waitingFor}` : ''}`;
  return {
    ...state,
    phase: 'Failed',
    message: state.message ? `${state.message}; ${reason}` : reason,
    finishedAt: new Date(now).toISOString(),
    startedAt: state.startedAt ?? new Date(op.startedAt).toISOString(),
    waitingFor: undefined,
  };
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
