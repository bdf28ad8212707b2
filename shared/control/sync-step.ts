// One engine step of an app's operation, recorded with the lease as fence, then the next wake-up:
// continue (the engine waits: backing off 2 → 5 → 10 → 30 s), retry (failed, with backoff) or a
// health recheck (Progressing). The render is kept with the operation, so a sync that waits does
// not fetch or render again on each wake-up; an operation that reaches its bound of wake-ups
// ends Failed, saying so in its history.
import type { AppStatus, SyncRun } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import { assessAppHealth } from '../engine/assess.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync, type SyncState } from '../engine/sync-operation.js';
import type { Lease, StoredOperation, SyncRequest } from '../ports/state-store.js';
import { blankStatus, failedState, operationOf, resourceStatuses } from './app-status.js';
import { commitStep, type Control, type SyncTarget } from './deps.js';
import { renderDesired, renderKeyOf } from './desired-state.js';
import { scheduleHealthRecheck } from './health-recheck.js';
import { retryDelayMs } from './retry.js';
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
  const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
  // The deadline is fixed by the first step: a request arriving mid-operation does not move it.
  const timeoutMs = op.timeoutMs ?? operationTimeoutMs(request, c.o.syncTimeoutMs);
  op = { ...op, timeoutMs };
  try {
    const inventory = await c.store.getInventory(app.name);
    const wakeUps = (op.wakeUps ?? 0) + 1;
    let stepped: { state: SyncState; nextStepInMs?: number };
    let desired = op.desired;
    try {
      desired ??= await renderDesired(c, app, op.revision, rm);
      stepped = await stepSync(
        rm,
        { desired, inventory, options: syncOptionsOf(app, project, request, cluster, timeoutMs) },
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
      await commitStep(c, lease, {
        operation: { ...op, state, wakeUps, waits, desired: cacheable(desired) },
        inventory: state.inventory,
        status: { ...blankStatus(app.name, status), operation: operationOf(op, state, 'Running') },
        consumedRequestAt: request?.requestedAt,
      });
      await c.queue.send(
        {
          app: app.name,
          reason: 'continue',
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
    const health = await assessAppHealth(rm, state.inventory).catch(() => undefined);
    const run: SyncRun = {
      app: app.name,
      id: op.runId,
      revision: op.revision,
      reason: op.reason,
      phase: state.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      message: state.message,
      startedAt: new Date(op.startedAt).toISOString(),
      finishedAt: new Date(now).toISOString(),
      results: state.results,
    };
    const synced = state.phase === 'Succeeded' && !isDryRun(request);
    await commitStep(c, lease, {
      run,
      inventory: state.inventory,
      // A retry starts afresh: its own wake-ups, a new render.
      operation:
        retryIn !== undefined
          ? { ...op, state: undefined, attempt: op.attempt + 1, wakeUps: 0, waits: 0, desired: undefined }
          : null,
      status: {
        ...blankStatus(app.name, status),
        sync: synced
          ? {
              status: 'Synced',
              revision: op.revision,
              comparedAt: new Date(now).toISOString(),
              renderKey: renderKeyOf(app, op.revision),
            }
          : { status: 'OutOfSync', revision: op.revision },
        health: health?.health ?? { status: 'Unknown' },
        resources: resourceStatuses(state.results, health?.resources),
        operation: operationOf(op, state, run.phase),
        conditions: withSharedResourceConditions([], state.warnings, new Date(now).toISOString()),
      },
      consumedRequestAt: request?.requestedAt,
    });
    if (retryIn !== undefined) {
      await c.queue.send(
        { app: app.name, reason: 'retry', requestedAt: now },
        { delaySeconds: Math.ceil(retryIn / 1000) },
      );
    } else {
      // A new chain of health rechecks (health only, no render) while the rollout progresses.
      await scheduleHealthRecheck(c, { app: app.name }, health?.health);
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
    rm.close();
  }
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
