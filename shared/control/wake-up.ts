// One wake-up of one app, the worker's whole job: take the lease, look at what the app wants,
// decide (decide.ts, pure), act — one sync step, a refresh, or a supersession record — with the
// lease as fence, and release. Level-triggered: duplicate, late and concurrent wake-ups are
// harmless; work asked for while the lease was held is woken again on release.
import { initiatorOf } from './initiator.js';
import type { App } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import { LeaseLostError, type Lease, type StoredOperation, type SyncRequest } from '../ports/state-store.js';
import { blankStatus } from './app-status.js';
import { decideWakeUp, isHealthRecheck } from './decide.js';
import { deleteApp, type DeleteAppOptions } from './delete-app.js';
import {
  clusterOf,
  commitStep,
  controlOf,
  projectOf,
  releaseLeaseSoon,
  underLease,
  type Control,
  type ControlDeps,
  type SyncTarget,
} from './deps.js';
import { resolveAppRevision } from './desired-state.js';
import { checkAppScope } from './project-scope.js';
import { operationApp } from './operation-spec.js';
import { recordSuperseded } from './record-superseded.js';
import { recheckHealth } from './health-recheck.js';
import { recheckClusterHealth } from './cluster-health-recheck.js';
import type { LiveObjects } from '../engine/assess.js';
import { refreshApp } from './refresh.js';
import { runSyncStep } from './sync-step.js';
import { backoffSeconds } from './wake-bounds.js';
import {
  recordWindowClosed,
  windowClosedCondition,
  windowFactsOf,
  withoutWaitConditions,
} from './sync-windows.js';
import {
  dependenciesNotReady,
  dependencyWaitingCondition,
  recordDependencyWait,
  wakeDependantsIfReady,
} from './dependencies.js';
import { terminateOperation, type TerminateResult } from './terminate-operation.js';
import { afterWakeUpForRollback, releaseAutoPin } from './auto-rollback.js';
import { afterWakeUpForPromotion, PromotionWaitingError, promotionWaitingCondition } from './promotion.js';

export { defaultControlOptions, type ControlDeps, type ControlOptions } from './deps.js';

export type WakeUpOutcome =
  | 'busy'
  | 'bounded'
  | 'gone'
  | 'idle'
  | 'refreshed'
  | 'health-checked'
  | 'stepped'
  | 'finished'
  | 'superseded'
  | 'window-closed'
  | 'waiting'
  | 'lease-lost';

/** Handles wake-ups (and app deletion, which needs the same lease) for one worker. */
export class WakeUpHandler {
  private readonly c: Control;

  constructor(deps: ControlDeps) {
    this.c = controlOf(deps);
  }

  /**
   * One wake-up. `batch`: within a cluster's health recheck (cluster-health-recheck.ts), the
   * objects it read; an app that is busy or has other work waiting is left to its own wake-ups.
   */
  async handle(job: SyncJob, batch?: { live: LiveObjects }): Promise<WakeUpOutcome> {
    const { store, queue, clock, log, holder, o } = this.c;
    if (job.reason === 'health' && job.cluster !== undefined && !batch) {
      const recheck = await recheckClusterHealth(this.c, { ...job, cluster: job.cluster }, (one, live) =>
        this.handle(one, { live }),
      );
      log.info('cluster health rechecked', { cluster: job.cluster, hop: job.hop ?? 0, ...recheck });
      return 'health-checked';
    }
    const lease = await store.acquireLease(job.app, holder, o.leaseTtlMs, clock.now());
    if (!lease) return batch ? 'busy' : this.retryWhenFree(job);
    let seenRequestAt: number | undefined;
    try {
      const request = await store.getSyncRequest(job.app);
      seenRequestAt = request?.requestedAt;
      const before = await store.getStatus(job.app);
      const outcome = await underLease(this.c, lease, () => this.advance(job, lease, request, batch));
      // A wake-up that wrote a comparison or a sync step may have made the app ready for its
      // dependants and later stages, or Degraded after a sync (auto-rollback.ts).
      if (['finished', 'stepped', 'refreshed', 'health-checked'].includes(outcome)) {
        await afterWakeUpForRollback(this.c, lease, job.app);
        await wakeDependantsIfReady(this.c, job.app, before);
        await afterWakeUpForPromotion(this.c, lease, job, before);
      }
      return outcome;
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn('lease lost while working; another worker took over', { app: job.app, reason: job.reason });
        return 'lease-lost';
      }
      throw err;
    } finally {
      await releaseLeaseSoon(this.c, lease);
      // Work asked for while we held the lease must not wait for the next drift check.
      const newer = await store.getSyncRequest(job.app).catch(() => undefined);
      if (newer && newer.requestedAt !== seenRequestAt)
        await queue.send({
          app: job.app,
          reason: newer.reason,
          requestedAt: newer.requestedAt,
          ...(job.group ? { group: job.group } : {}),
        });
    }
  }

  /** The lease is held: come back later, backing off, up to the busy chain's bound. */
  private async retryWhenFree(job: SyncJob): Promise<WakeUpOutcome> {
    const { queue, clock, log, o } = this.c;
    const retries = job.busyRetries ?? 0;
    if (retries >= o.bounds.busyChain) {
      // The holder re-checks for newer requests when it releases, and drift wakes every app.
      log.warn('wake-up chain bounded: the app stayed busy; left to the lease holder and the drift check', {
        app: job.app,
        reason: job.reason,
        busyRetries: retries,
        hop: job.hop ?? 0,
        chainStartedAt: job.chainStartedAt,
      });
      return 'bounded';
    }
    await queue.send(
      {
        ...job,
        hop: (job.hop ?? 0) + 1,
        busyRetries: retries + 1,
        chainStartedAt: job.chainStartedAt ?? clock.now(),
      },
      { delaySeconds: backoffSeconds(retries, o.backoffSeconds) },
    );
    return 'busy';
  }

  deleteApp(name: string, opts: DeleteAppOptions): Promise<{ deleted: string[]; kept: string[] }> {
    return deleteApp(this.c, name, opts);
  }

  terminateOperation(name: string): Promise<TerminateResult> {
    return terminateOperation(this.c, name);
  }

  private async advance(
    job: SyncJob,
    lease: Lease,
    request: SyncRequest | undefined,
    batch?: { live: LiveObjects },
  ): Promise<WakeUpOutcome> {
    const c = this.c;
    let app = await c.store.getApp(job.app);
    if (!app) return 'gone';
    let status = await c.store.getStatus(app.name);
    const operation = await c.store.getOperation(app.name);
    // A running operation works on the spec it started with, whatever was saved since.
    const spec = operationApp(app, operation?.app);
    const [cluster, project] = await Promise.all([clusterOf(c, spec), projectOf(c, spec)]);
    const scope = project
      ? checkAppScope(spec, project, cluster)
      : [`project ${spec.project} does not exist`];
    if (!cluster || !project || scope.length > 0) {
      const message = !cluster
        ? `destination cluster ${app.destination.name ?? app.destination.server} is not registered`
        : scope.join('; ');
      return this.cannotSync(
        lease,
        app.name,
        status,
        request,
        { health: { status: 'Unknown', message } },
        message,
      );
    }
    const target: SyncTarget = { app: spec, cluster, project };
    if (isHealthRecheck(job, operation, request)) {
      // Health only: no revision resolved, nothing fetched or rendered.
      await recheckHealth(c, lease, target, status, job, batch);
      return 'health-checked';
    }
    // Within a cluster's recheck, an app with a sync or a request waiting is left to that.
    if (batch) return 'busy';
    let revision = operation?.revision;
    if (revision === undefined) {
      try {
        if (!operation) app = await releaseAutoPin(c, app, status);
        revision = await resolveAppRevision(c, app, request, job);
      } catch (err) {
        // The repository cannot be read (auth, network, missing branch): say so in the status and
        // wait for the next push or drift check, rather than retrying a poison wake-up to the DLQ.
        const message = (err as Error).message;
        const at = new Date(c.clock.now()).toISOString();
        return this.cannotSync(
          lease,
          app.name,
          status,
          request,
          {
            conditions: [
              {
                type: err instanceof PromotionWaitingError ? promotionWaitingCondition : 'ComparisonError',
                message,
                at,
              },
            ],
          },
          message,
          'cannot resolve the app revision',
        );
      }
    }
    const windows = windowFactsOf(spec, project, cluster, c.clock.now());
    const waitingFor = operation ? [] : await dependenciesNotReady(c, app);
    const decision = decideWakeUp({ job, app, status, request, operation, revision, windows, waitingFor });
    if (decision === 'waiting') {
      await recordDependencyWait(c, lease, app, waitingFor, status, request);
      return 'waiting';
    }
    if (decision === 'window-closed') {
      const verdict = request?.reason === 'manual' ? windows!.manual : windows!.automated;
      if (!verdict.open) await recordWindowClosed(c, lease, app, verdict, status, request, job);
      return 'window-closed';
    }
    if (
      status?.conditions?.some(
        (k) => k.type === windowClosedCondition || k.type === dependencyWaitingCondition,
      )
    )
      status = { ...status, conditions: withoutWaitConditions(status.conditions) };
    switch (decision) {
      case 'superseded':
        await recordSuperseded(c, lease, app, job, revision, request);
        return 'superseded';
      case 'refresh':
        await refreshApp(c, lease, target, revision, status, request, job);
        return 'refreshed';
      case 'start-sync':
        return runSyncStep(
          c,
          lease,
          target,
          await this.newOperation(app, revision, job, request, status),
          status,
          request,
          job,
        );
      case 'continue-sync':
        return runSyncStep(c, lease, target, operation!, status, request, job);
    }
  }

  private async newOperation(
    app: App,
    revision: string,
    job: SyncJob,
    request: SyncRequest | undefined,
    status?: AppStatus,
  ): Promise<StoredOperation> {
    const runId = await this.c.store.nextRunId(app.name);
    return {
      runId,
      revision,
      reason: request?.reason ?? job.reason,
      state: undefined,
      attempt: 1,
      startedAt: this.c.clock.now(),
      wakeUps: 0,
      app,
      request,
      initiatedBy: initiatorOf(request, job, status, revision),
    };
  }

  /** Records why the app cannot be synced now (sync Unknown) and consumes the request. */
  private async cannotSync(
    lease: Lease,
    app: string,
    status: AppStatus | undefined,
    request: SyncRequest | undefined,
    change: Partial<AppStatus>,
    message: string,
    log = 'app cannot be synced',
  ): Promise<WakeUpOutcome> {
    await commitStep(this.c, lease, {
      status: { ...blankStatus(app, status), sync: { status: 'Unknown' }, ...change },
      consumedRequestAt: request?.requestedAt,
    });
    this.c.log.warn(log, { app, message });
    return 'idle';
  }
}
