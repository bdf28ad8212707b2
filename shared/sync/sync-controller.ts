import { defaultProject, syncOption, type App, type Cluster, type Project } from '../domain/app.js';
import type { ChangeSetEntry } from '../domain/change-set.js';
import type { AppStatus, SyncRun } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import { assessAppHealth } from '../engine/assess.js';
import { hasSyncOption } from '../engine/annotations.js';
import { compareForDelete } from '../engine/order.js';
import { AppBusyError } from '../domain/errors.js';
import { formatRef } from '../domain/kube-object.js';
import { redactDeep } from '../domain/redact.js';
import type { PropagationPolicy } from '../engine/apply.js';
import { ResourceManager, type ResourceManagerOptions } from '../engine/resource-manager.js';
import { stepSync, type SyncOptions, type SyncState } from '../engine/sync-operation.js';
import type { ClusterConnector } from '../ports/cluster-connector.js';
import type { Clock } from '../ports/clock.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import {
  LeaseLostError,
  type Lease,
  type StateStore,
  type StepCommit,
  type StoredOperation,
  type SyncRequest,
} from '../ports/state-store.js';
import { resolveRevision } from '../source/git.js';
import { chartRevisionOf } from '../source/helm-repository.js';
import type { GitCredentials } from '../source/git-http.js';
import type { SourceRenderer } from '../source/render.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import { checkAppScope, checkObjectScope } from './project-scope.js';
import { retryDelayMs, type RetryPolicy } from './retry.js';

export interface SyncControllerOptions {
  /** How long a worker may hold an app (longer than one step). */
  leaseTtlMs: number;
  /** A wake-up that finds the lease held comes back after this long (never dropped). */
  busyRetrySeconds: number;
  /** While an app is Progressing after a sync, its health is looked at again after this long. */
  healthRecheckSeconds: number;
  /** A whole sync's deadline. */
  syncTimeoutMs: number;
  engine: Partial<ResourceManagerOptions>;
  guard: UrlGuardOptions;
}

/** How many of the newest runs are looked through for an earlier record of the same supersession. */
const supersededLookback = 10;

export const defaultSyncControllerOptions: SyncControllerOptions = {
  leaseTtlMs: 5 * 60_000,
  busyRetrySeconds: 5,
  healthRecheckSeconds: 10,
  syncTimeoutMs: 30 * 60_000,
  engine: {},
  guard: {},
};

export interface SyncControllerDeps {
  store: StateStore;
  queue: JobQueue;
  connector: ClusterConnector;
  renderer: SourceRenderer;
  credentials: (repoURL: string) => Promise<GitCredentials | undefined>;
  clock: Clock;
  log: Logger;
  /** Identifies this worker in leases (e.g. the Lambda request id). */
  holder: string;
  options?: Partial<SyncControllerOptions>;
}

export type WakeUpOutcome =
  'busy' | 'gone' | 'idle' | 'refreshed' | 'stepped' | 'finished' | 'superseded' | 'lease-lost';

/**
 * One wake-up of one app, the worker's whole job: take the lease, look at what the app wants,
 * advance its sync one step (or compare it, for drift and manual apps), record it atomically with
 * the lease as fence, ask to be woken again if it must wait, release. Level-triggered: duplicate,
 * late and concurrent wake-ups are harmless.
 */
export class SyncController {
  private readonly o: SyncControllerOptions;

  constructor(private readonly deps: SyncControllerDeps) {
    this.o = { ...defaultSyncControllerOptions, ...deps.options };
  }

  async handle(job: SyncJob): Promise<WakeUpOutcome> {
    const { store, queue, clock, log, holder } = this.deps;
    const lease = await store.acquireLease(job.app, holder, this.o.leaseTtlMs, clock.now());
    if (!lease) {
      await queue.send({ ...job, reason: job.reason }, { delaySeconds: this.o.busyRetrySeconds });
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

  /**
   * Deletes an app. With cascade, every object in its inventory is deleted first (dependants before
   * what they depend on; `Delete=false` objects kept), under the app's lease so no sync races it.
   */
  async deleteApp(
    name: string,
    opts: { cascade: boolean; propagationPolicy: PropagationPolicy },
  ): Promise<{ deleted: string[]; kept: string[] }> {
    const { store, clock, holder } = this.deps;
    const app = await store.getApp(name);
    if (!app) return { deleted: [], kept: [] };
    const lease = await store.acquireLease(name, holder, this.o.leaseTtlMs, clock.now());
    if (!lease) throw new AppBusyError(name);
    const deleted: string[] = [];
    const kept: string[] = [];
    try {
      const cluster = await this.clusterOf(app);
      const inventory = await store.getInventory(name);
      if (opts.cascade && cluster && inventory.length > 0) {
        const rm = new ResourceManager(await this.deps.connector.connect(cluster), this.o.engine);
        try {
          const toObject = (r: (typeof inventory)[number]) => ({
            apiVersion: 'v1',
            kind: r.kind,
            metadata: { name: r.name, namespace: r.namespace },
          });
          for (const ref of [...inventory].sort((a, b) => compareForDelete(toObject(a), toObject(b)))) {
            const live = await rm.get(ref);
            if (live && hasSyncOption(live, 'Delete', 'false')) {
              kept.push(formatRef(ref));
              continue;
            }
            if (live) await rm.delete(ref, opts.propagationPolicy);
            deleted.push(formatRef(ref));
          }
        } finally {
          rm.close();
        }
      }
    } finally {
      await store.releaseLease(lease).catch(() => {});
    }
    await store.deleteApp(name);
    this.deps.log.info('app deleted', { app: name, cascade: opts.cascade, deleted: deleted.length, kept });
    return { deleted, kept };
  }

  private async advance(
    job: SyncJob,
    lease: Lease,
    request: SyncRequest | undefined,
  ): Promise<WakeUpOutcome> {
    const { store, log } = this.deps;
    const app = await store.getApp(job.app);
    if (!app) return 'gone';
    const status = await store.getStatus(app.name);
    const [cluster, project] = await Promise.all([this.clusterOf(app), this.projectOf(app)]);
    const scope = project ? checkAppScope(app, project, cluster) : [`project ${app.project} does not exist`];
    if (!cluster || scope.length > 0) {
      const message = !cluster
        ? `destination cluster ${app.destination.name ?? app.destination.server} is not registered`
        : scope.join('; ');
      await this.commit(lease, {
        status: {
          ...blankStatus(app.name, status),
          sync: { status: 'Unknown' },
          health: { status: 'Unknown', message },
        },
        consumedRequestAt: request?.requestedAt,
      });
      log.warn('app cannot be synced', { app: app.name, message });
      return 'idle';
    }

    let op = await store.getOperation(app.name);
    if (!op) {
      let revision: string;
      try {
        revision = await this.resolve(app, request);
      } catch (err) {
        // The repository cannot be read (auth, network, missing branch): say so in the status and
        // wait for the next push or drift check, rather than retrying a poison wake-up to the DLQ.
        const message = (err as Error).message;
        await this.commit(lease, {
          status: {
            ...blankStatus(app.name, status),
            sync: { status: 'Unknown' },
            conditions: [
              { type: 'ComparisonError', message, at: new Date(this.deps.clock.now()).toISOString() },
            ],
          },
          consumedRequestAt: request?.requestedAt,
        });
        log.warn('cannot resolve the app revision', { app: app.name, message });
        return 'idle';
      }
      if (
        job.reason === 'webhook' &&
        job.revision &&
        // Pinned by a rollback: pushes are not applied, and are not "superseded" by an older pin either.
        !app.pinnedRevision &&
        // Multi-source apps resolve one revision per source: the push is older if it is none of them.
        !revision.split(' ').includes(job.revision) &&
        status?.sync.revision === revision
      ) {
        await this.recordSuperseded(lease, app, job, revision, request);
        return 'superseded';
      }
      const automated = Boolean(app.syncPolicy.automated) && app.syncPolicy.automated?.enabled !== false;
      const manual = request?.reason === 'manual' || request?.reason === 'retry';
      const changed = status?.sync.revision !== revision;
      const drifted = status?.sync.status === 'OutOfSync';
      const wantsSync =
        manual ||
        (automated &&
          (changed ||
            (drifted && (app.syncPolicy.automated?.selfHeal ?? false)) ||
            status?.operation?.phase === 'Running'));
      if (!wantsSync) return this.refresh(lease, app, cluster, project!, revision, status, request);
      const runId = await store.nextRunId(app.name);
      op = {
        runId,
        revision,
        reason: request?.reason ?? job.reason,
        state: undefined,
        attempt: 1,
        startedAt: this.deps.clock.now(),
      };
    }
    return this.step(lease, app, cluster, project!, op, status, request);
  }

  /** One engine step of the operation, recorded with the lease as fence. */
  private async step(
    lease: Lease,
    app: App,
    cluster: Cluster,
    project: Project,
    op: StoredOperation,
    status: AppStatus | undefined,
    request: SyncRequest | undefined,
  ): Promise<WakeUpOutcome> {
    const { store, queue, clock, log } = this.deps;
    const rm = new ResourceManager(await this.deps.connector.connect(cluster), this.o.engine);
    try {
      const inventory = await store.getInventory(app.name);
      let stepped: { state: SyncState; nextStepInMs?: number };
      try {
        const desired = await this.render(app, op.revision, rm);
        stepped = await stepSync(
          rm,
          { desired, inventory, options: this.syncOptions(app, project, request, cluster) },
          op.state as SyncState | undefined,
        );
      } catch (err) {
        // Fetch or render failed: nothing was applied; the run fails (and never prunes).
        stepped = { state: failedState(op, inventory, (err as Error).message) };
      }
      const { state, nextStepInMs } = stepped;
      const now = clock.now();
      if (nextStepInMs !== undefined) {
        await this.commit(lease, {
          operation: { ...op, state },
          inventory: state.inventory,
          status: { ...blankStatus(app.name, status), operation: operationOf(op, state, 'Running') },
          consumedRequestAt: request?.requestedAt,
        });
        await queue.send(
          { app: app.name, reason: 'continue', requestedAt: now },
          { delaySeconds: Math.ceil(nextStepInMs / 1000) },
        );
        log.info('sync step done, continuing', {
          app: app.name,
          revision: op.revision,
          waitingFor: state.waitingFor,
        });
        return 'stepped';
      }

      const retry = retryPolicyOf(app);
      const retryIn = state.phase === 'Failed' ? retryDelayMs(retry, op.attempt) : undefined;
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
      const synced = state.phase === 'Succeeded' && !stateIsDryRun(request);
      await this.commit(lease, {
        run,
        inventory: state.inventory,
        operation: retryIn !== undefined ? { ...op, state: undefined, attempt: op.attempt + 1 } : null,
        status: {
          ...blankStatus(app.name, status),
          sync: synced
            ? { status: 'Synced', revision: op.revision, comparedAt: new Date(now).toISOString() }
            : { status: 'OutOfSync', revision: op.revision },
          health: health?.health ?? { status: 'Unknown' },
          resources: resourceStatuses(state.results, health?.resources),
          operation: operationOf(op, state, run.phase),
          conditions: [],
        },
        consumedRequestAt: request?.requestedAt,
      });
      if (retryIn !== undefined) {
        await queue.send(
          { app: app.name, reason: 'retry', requestedAt: now },
          { delaySeconds: Math.ceil(retryIn / 1000) },
        );
      } else if (health?.health.status === 'Progressing') {
        await queue.send(
          { app: app.name, reason: 'refresh', requestedAt: now },
          { delaySeconds: this.o.healthRecheckSeconds },
        );
      }
      log.info('sync finished', {
        app: app.name,
        revision: op.revision,
        phase: run.phase,
        attempt: op.attempt,
        message: state.message,
      });
      return 'finished';
    } finally {
      rm.close();
    }
  }

  /** No sync wanted: compare live with desired (a dry run) and record Synced/OutOfSync and health. */
  private async refresh(
    lease: Lease,
    app: App,
    cluster: Cluster,
    project: Project,
    revision: string,
    status: AppStatus | undefined,
    request: SyncRequest | undefined,
  ): Promise<WakeUpOutcome> {
    const { store, clock } = this.deps;
    const rm = new ResourceManager(await this.deps.connector.connect(cluster), this.o.engine);
    try {
      const inventory = await store.getInventory(app.name);
      const desired = await this.render(app, revision, rm);
      const { state } = await stepSync(rm, {
        desired,
        inventory,
        options: { ...this.syncOptions(app, project, request, cluster), dryRun: true, prune: true },
      });
      const changes = state.results.filter((r) => r.action !== 'unchanged' && r.action !== 'skipped');
      const health = await assessAppHealth(rm, inventory).catch(() => undefined);
      const now = new Date(clock.now()).toISOString();
      await this.commit(lease, {
        status: {
          ...blankStatus(app.name, status),
          sync: {
            status: state.phase === 'Succeeded' ? (changes.length === 0 ? 'Synced' : 'OutOfSync') : 'Unknown',
            revision,
            comparedAt: now,
          },
          health: health?.health ?? { status: 'Unknown' },
          resources: resourceStatuses(state.results, health?.resources),
          drift: {
            checkedAt: now,
            outOfSync: changes.length,
            diff: changes.map((c) => c.diff ?? '').join('\n') || undefined,
          },
        },
        consumedRequestAt: request?.requestedAt,
      });
      const selfHeal =
        Boolean(app.syncPolicy.automated) &&
        app.syncPolicy.automated?.enabled !== false &&
        app.syncPolicy.automated?.selfHeal === true;
      if (selfHeal && changes.length > 0 && state.phase === 'Succeeded') {
        // Drift found on a self-healing app: the next wake-up (right away) syncs it.
        await this.deps.queue.send({ app: app.name, reason: 'drift', requestedAt: clock.now() });
        this.deps.log.info('drift found; self-healing', { app: app.name, outOfSync: changes.length });
      } else if (health?.health.status === 'Progressing' && recentlySynced(status, clock.now())) {
        // Keep health current while a rollout that Gitferry started is still progressing.
        await this.deps.queue.send(
          { app: app.name, reason: 'refresh', requestedAt: clock.now() },
          { delaySeconds: this.o.healthRecheckSeconds },
        );
      }
      return 'refreshed';
    } finally {
      rm.close();
    }
  }

  /**
   * Records an older pushed revision as superseded, once per app and revision: replayed
   * deliveries and redelivered or busy-retried wake-ups carry the same revision, and recording
   * each of them once filled the rollback window with nothing else. The lease serialises this
   * check-then-write per app. The webhook request for that revision is consumed either way.
   */
  private async recordSuperseded(
    lease: Lease,
    app: App,
    job: SyncJob,
    head: string,
    request: SyncRequest | undefined,
  ): Promise<void> {
    const { store, clock, log } = this.deps;
    const consumedRequestAt =
      request?.reason === 'webhook' && request.revision === job.revision ? request.requestedAt : undefined;
    const recent = await store.listRuns(app.name, supersededLookback);
    if (recent.some((r) => r.superseded && r.revision === job.revision)) {
      if (consumedRequestAt !== undefined) await this.commit(lease, { consumedRequestAt });
      log.info('older revision already recorded as superseded', {
        app: app.name,
        revision: job.revision,
        deliveryId: job.deliveryId,
      });
      return;
    }
    const id = await store.nextRunId(app.name);
    const at = new Date(clock.now()).toISOString();
    await this.commit(lease, {
      run: {
        app: app.name,
        id,
        revision: job.revision!,
        reason: job.reason,
        phase: 'Succeeded',
        superseded: true,
        message: `superseded by ${head}, which is newer and already deployed; not applied`,
        startedAt: at,
        finishedAt: at,
        results: [],
      },
      consumedRequestAt,
    });
    log.info('older revision superseded', {
      app: app.name,
      revision: job.revision,
      head,
      deliveryId: job.deliveryId,
    });
  }

  /**
   * Writes a step. Status and history hold messages from git, helm and the cluster's API server,
   * which may quote credentials: they are stored redacted (the operation's state is engine data
   * that is applied later, and is never shown, so it is left exact).
   */
  private commit(lease: Lease, commit: StepCommit): Promise<void> {
    return this.deps.store.commitStep(lease, {
      ...commit,
      ...(commit.status ? { status: redactDeep(commit.status) } : {}),
      ...(commit.run ? { run: redactDeep(commit.run) } : {}),
    });
  }

  private async render(app: App, revision: string, rm: ResourceManager) {
    // Helm renders for the target cluster: its version and the APIs it serves (Capabilities).
    const [version, apiVersions] = await Promise.all([
      rm.discovery.serverVersion(),
      rm.discovery.apiVersions(),
    ]);
    const result = await this.deps.renderer.render({
      appName: app.name,
      namespace: app.destination.namespace ?? 'default',
      sources: app.sources,
      revisions: revision.split(' '),
      kubeVersion: version.gitVersion,
      apiVersions,
      credentials: this.deps.credentials,
    });
    return result.objects;
  }

  /** The revision to deploy: a rollback pin, a manual revision, else each source's branch head now. */
  private async resolve(app: App, request: SyncRequest | undefined): Promise<string> {
    if (app.pinnedRevision) return app.pinnedRevision;
    if (request?.reason === 'manual' && request.revision) return request.revision;
    const revisions = await Promise.all(
      app.sources.map(async (s) =>
        s.chart
          ? chartRevisionOf(s.targetRevision)
          : resolveRevision(s.repoURL, s.targetRevision, {
              credentials: await this.deps.credentials(s.repoURL),
              guard: this.o.guard,
            }),
      ),
    );
    return revisions.join(' ');
  }

  private syncOptions(
    app: App,
    project: Project,
    request: SyncRequest | undefined,
    cluster: Cluster,
  ): Partial<SyncOptions> {
    const automated = app.syncPolicy.automated;
    const prune = request?.reason === 'manual' ? (request.prune ?? false) : Boolean(automated?.prune);
    return {
      appName: app.name,
      destinationNamespace: app.destination.namespace,
      dryRun: stateIsDryRun(request),
      prune,
      pruneLast: syncOption(app, 'PruneLast') === 'true',
      confirmPrune: request?.reason === 'manual' && request.prune === true,
      allowEmpty: Boolean(automated?.allowEmpty),
      createNamespace: syncOption(app, 'CreateNamespace') === 'true',
      managedNamespaceMetadata: app.syncPolicy.managedNamespaceMetadata,
      fieldValidation: syncOption(app, 'Validate') === 'false' ? 'Ignore' : 'Strict',
      ignoreDifferences: app.ignoreDifferences,
      respectIgnoreDifferences: syncOption(app, 'RespectIgnoreDifferences') === 'true',
      failOnSharedResource: syncOption(app, 'FailOnSharedResource') === 'true',
      propagationPolicy: propagationOf(syncOption(app, 'PrunePropagationPolicy')),
      timeoutMs: this.o.syncTimeoutMs,
      stepBudgetMs: 60_000,
      admit: (set) => checkObjectScope(set, app, project, cluster),
    };
  }

  private async clusterOf(app: App): Promise<Cluster | undefined> {
    return this.deps.store.getCluster(app.destination.name ?? app.destination.server ?? '');
  }

  private async projectOf(app: App): Promise<Project | undefined> {
    return (
      (await this.deps.store.getProject(app.project)) ??
      (app.project === 'default' ? defaultProject : undefined)
    );
  }
}

/** Health is watched closely for 10 minutes after a sync; after that the drift schedule covers it. */
function recentlySynced(status: AppStatus | undefined, now: number): boolean {
  const finished = status?.operation?.finishedAt ? Date.parse(status.operation.finishedAt) : Number.NaN;
  return Number.isFinite(finished) && now - finished < 10 * 60_000;
}

function stateIsDryRun(request: SyncRequest | undefined): boolean {
  return request?.reason === 'manual' && request.dryRun === true;
}

function propagationOf(value: string | undefined): PropagationPolicy {
  const v = value?.toLowerCase();
  return v === 'background' ? 'Background' : v === 'orphan' ? 'Orphan' : 'Foreground';
}

function retryPolicyOf(app: App): RetryPolicy {
  const r = app.syncPolicy.retry;
  return {
    limit: r?.limit ?? (app.syncPolicy.automated ? 5 : 0),
    duration: r?.backoff?.duration ?? '5s',
    factor: r?.backoff?.factor ?? 2,
    maxDuration: r?.backoff?.maxDuration ?? '3m',
  };
}

function blankStatus(app: string, previous: AppStatus | undefined): AppStatus {
  return previous ?? { app, sync: { status: 'Unknown' }, health: { status: 'Unknown' }, resources: [] };
}

function operationOf(
  op: StoredOperation,
  state: SyncState,
  phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating',
): AppStatus['operation'] {
  return {
    phase,
    message:
      phase === 'Running'
        ? state.waitingFor
          ? `waiting for ${state.waitingFor}`
          : 'running'
        : state.message,
    revision: op.revision,
    startedAt: new Date(op.startedAt).toISOString(),
    finishedAt: state.finishedAt,
    runId: op.runId,
  };
}

function resourceStatuses(
  results: ChangeSetEntry[],
  health: { ref: ChangeSetEntry['ref']; health?: AppStatus['health'] }[] | undefined,
): AppStatus['resources'] {
  const healthByKey = new Map(
    (health ?? []).map((h) => [
      `${h.ref.group}/${h.ref.kind}/${h.ref.namespace ?? ''}/${h.ref.name}`,
      h.health,
    ]),
  );
  return results
    .filter((r) => !r.hookPhase)
    .map((r) => ({
      ref: r.ref,
      status:
        r.action === 'failed'
          ? 'OutOfSync'
          : r.action === 'unchanged' ||
              r.action === 'created' ||
              r.action === 'configured' ||
              r.action === 'replaced'
            ? 'Synced'
            : 'OutOfSync',
      health: healthByKey.get(`${r.ref.group}/${r.ref.kind}/${r.ref.namespace ?? ''}/${r.ref.name}`),
      message: r.message,
    }));
}

function failedState(op: StoredOperation, inventory: SyncState['inventory'], message: string): SyncState {
  return {
    phase: 'Failed',
    message,
    startedAt: new Date(op.startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    tasks: [],
    cursor: 0,
    planned: [],
    prunes: [],
    warnings: [],
    results: [],
    hooks: [],
    inventory,
  };
}
