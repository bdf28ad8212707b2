// One wake-up of one app, the worker's whole job: take the lease, look at what the app wants,
// decide (decide.ts, pure), act — one sync step, a refresh, or a supersession record — with the
// lease as fence, and release. Level-triggered: duplicate, late and concurrent wake-ups are
// harmless; work asked for while the lease was held is woken again on release.
import type { App } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import { LeaseLostError, type Lease, type StoredOperation, type SyncRequest } from '../ports/state-store.js';
import { blankStatus } from './app-status.js';
import { decideWakeUp } from './decide.js';
import { deleteApp, type DeleteAppOptions } from './delete-app.js';
import {
  clusterOf,
  commitStep,
  controlOf,
  projectOf,
  type Control,
  type ControlDeps,
  type SyncTarget,
} from './deps.js';
import { resolveAppRevision } from './desired-state.js';
import { checkAppScope } from './project-scope.js';
import { operationApp } from './operation-spec.js';
import { recordSuperseded } from './record-superseded.js';
import { refreshApp } from './refresh.js';
import { runSyncStep } from './sync-step.js';

export { defaultControlOptions, type ControlDeps, type ControlOptions } from './deps.js';

export type WakeUpOutcome =
  'busy' | 'gone' | 'idle' | 'refreshed' | 'stepped' | 'finished' | 'superseded' | 'lease-lost';

/** Handles wake-ups (and app deletion, which needs the same lease) for one worker. */
export class WakeUpHandler {
  private readonly c: Control;

  constructor(deps: ControlDeps) {
    this.c = controlOf(deps);
  }

  async handle(job: SyncJob): Promise<WakeUpOutcome> {
    const { store, queue, clock, log, holder, o } = this.c;
    const lease = await store.acquireLease(job.app, holder, o.leaseTtlMs, clock.now());
    if (!lease) {
      await queue.send(job, { delaySeconds: o.busyRetrySeconds });
      return 'busy';
    }
    let seenRequestAt: number | undefined;
    try {
      const request = await store.getSyncRequest(job.app);
      seenRequestAt = request?.requestedAt;
      return await this.advance(job, lease, request);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn('lease lost while working; another worker took over', { app: job.app, reason: job.reason });
        return 'lease-lost';
      }
      throw err;
    } finally {
      await store.releaseLease(lease).catch(() => {});
      // Work asked for while we held the lease must not wait for the next drift check.
      const newer = await store.getSyncRequest(job.app).catch(() => undefined);
      if (newer && newer.requestedAt !== seenRequestAt)
        await queue.send({ app: job.app, reason: newer.reason, requestedAt: newer.requestedAt });
    }
  }

  deleteApp(name: string, opts: DeleteAppOptions): Promise<{ deleted: string[]; kept: string[] }> {
    return deleteApp(this.c, name, opts);
  }

  private async advance(
    job: SyncJob,
    lease: Lease,
    request: SyncRequest | undefined,
  ): Promise<WakeUpOutcome> {
    const c = this.c;
    const app = await c.store.getApp(job.app);
    if (!app) return 'gone';
    const status = await c.store.getStatus(app.name);
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
    let revision = operation?.revision;
    if (revision === undefined) {
      try {
        revision = await resolveAppRevision(c, app, request);
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
          { conditions: [{ type: 'ComparisonError', message, at }] },
          message,
          'cannot resolve the app revision',
        );
      }
    }
    switch (decideWakeUp({ job, app, status, request, operation, revision })) {
      case 'superseded':
        await recordSuperseded(c, lease, app, job, revision, request);
        return 'superseded';
      case 'refresh':
        await refreshApp(c, lease, target, revision, status, request);
        return 'refreshed';
      case 'start-sync':
        return runSyncStep(
          c,
          lease,
          target,
          await this.newOperation(app, revision, job, request),
          status,
          request,
        );
      case 'continue-sync':
        return runSyncStep(c, lease, target, operation!, status, request);
    }
  }

  private async newOperation(
    app: App,
    revision: string,
    job: SyncJob,
    request: SyncRequest | undefined,
  ): Promise<StoredOperation> {
    const runId = await this.c.store.nextRunId(app.name);
    return {
      runId,
      revision,
      reason: request?.reason ?? job.reason,
      state: undefined,
      attempt: 1,
      startedAt: this.c.clock.now(),
      app,
      request,
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
