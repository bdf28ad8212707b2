// The drift check: one pass per cluster over the apps it hosts, done by the drift function itself
// (a small one) and costing almost nothing when nothing changed. Per tick it reads the app list,
// the drift views of each cluster's apps (their compared status fields and inventories, in one
// query per cluster: domain/drift-view.ts; an app's own status or inventory only where its view
// lacks it), one branch head per repository and branch (ls-remote), and the live objects with one
// LIST per kind and namespace for the whole cluster. It clones nothing,
// renders nothing, dry-runs nothing and writes nothing; only an app whose head, spec, live objects
// or health moved gets a wake-up, and the worker does the real work (refresh, sync, health).
//
// How "nothing changed" is known without rendering: the status records the render key (the app's
// spec and revision, as a digest) its last comparison used, and the inventory records each object's
// fingerprint, whose owned part says which fields Gitferry owned right after applying
// (fingerprint.ts). Same head, same key and the same owned part on every live object: the next
// sync would change nothing.
import pLimit from 'p-limit';
import type { App, Cluster } from '../domain/app.js';
import {
  destinationKeyOf,
  driftStatusOf,
  hasFileableDestination,
  type DriftStatus,
} from '../domain/drift-view.js';
import type { HealthStatus } from '../domain/health.js';
import { refKey, type InventoryEntry, type KubeObject } from '../domain/kube-object.js';
import { wakeUpGroup, type SyncReason } from '../domain/sync-job.js';
import { ownedFingerprint, ownedPartOf } from '../engine/fingerprint.js';
import { assessHealth, worstHealth } from '../engine/health.js';
import { batchReadOptions, readLiveObjects } from '../engine/assess.js';
import { ClusterBreaker } from '../engine/cluster-breaker.js';
import type { ClusterConnectionReport } from './cluster-connection-report.js';
import { ResourceManager, type ResourceManagerOptions } from '../engine/resource-manager.js';
import type { ClusterConnector } from '../ports/cluster-connector.js';
import type { Clock } from '../ports/clock.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { resolveRevision } from '../source/git.js';
import type { GitCredentials } from '../source/git-http.js';
import { chartRevisionOf } from '../source/chart-revision.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import { renderKeyOf } from './desired-state.js';
import { clusterOf } from './deps.js';
import { isSelfHealing } from './sync-options.js';

/** A running operation older than this (the default sync timeout, 30 min, and 5 more) has lost its chain. */
export const defaultStaleOperationMs = 35 * 60_000;

/** Apps whose status and inventory are read at once. */
export const storeReadConcurrency = 16;

/** Apps woken per tick to have their drift views filed (`no-drift-view`): an upgrade's backlog is spread over ticks. */
export const maxViewFillsPerTick = 500;

export interface DriftCheckDeps {
  store: StateStore;
  queue: JobQueue;
  connector: ClusterConnector;
  credentials: (repoURL: string) => Promise<GitCredentials | undefined>;
  clock: Clock;
  log: Logger;
  guard: UrlGuardOptions;
  engine?: Partial<ResourceManagerOptions>;
  /**
   * Records whether each cluster answered its pass (cluster-connection-report.ts): serve's, whose
   * store is its own. The AWS drift function writes nothing (its role reads only); a cluster it
   * cannot read gets its apps compared by the worker, which records what it sees.
   */
  clusterReport?: ClusterConnectionReport;
  /** A branch head (ls-remote); defaults to the git client's resolveRevision. */
  resolveHead?: (repoURL: string, targetRevision: string | undefined) => Promise<string>;
  /** See defaultStaleOperationMs. */
  staleOperationMs?: number;
  /** Wake-ups sent for apps that need the worker are spread over this many seconds. */
  jitterSeconds?: number;
  random?: () => number;
}

/** Why an app got a wake-up from the drift check. */
export type DriftFinding =
  | 'never-compared'
  | 'cannot-check'
  | 'new-revision'
  | 'spec-changed'
  | 'live-changed'
  | 'back-in-sync'
  | 'health-changed'
  | 'stale-operation'
  /**
   * Unchanged, but its status was read from the store because its drift view lacked it (last
   * stepped before views were kept): a health check (reads only) files its view, so later passes
   * read it with the cluster's instead of on its own. At most maxViewFillsPerTick a tick.
   */
  | 'no-drift-view';

export interface DriftTick {
  clusters: number;
  apps: number;
  /** Apps left alone: nothing changed. */
  unchanged: number;
  /** Apps skipped because an operation is running on them or their first wake-up is queued (the worker is on its way). */
  busy: number;
  woken: { app: string; finding: DriftFinding }[];
  /**
   * What the pass read of the store besides the app list: one query of drift views per cluster,
   * and the statuses and inventories of apps whose views lack them (not stepped since views were
   * kept, moved to another destination since their last step, an inventory too large to copy).
   */
  storeReads: { views: number; statuses: number; inventories: number };
}

/** A tick in one log line: its counts and how many apps were woken for each finding. */
export function tickSummary(tick: DriftTick): Record<string, unknown> {
  const findings: Partial<Record<DriftFinding, number>> = {};
  for (const { finding } of tick.woken) findings[finding] = (findings[finding] ?? 0) + 1;
  const { woken, ...counts } = tick;
  return { ...counts, woken: woken.length, findings };
}

/** One drift pass over every app, one cluster at a time. */
export async function runDriftTick(deps: DriftCheckDeps): Promise<DriftTick> {
  const apps = await deps.store.listApps();
  const byCluster = new Map<string, App[]>();
  for (const app of apps) {
    const name = destinationKeyOf(app);
    // Appended in place: a copy per app made 10,000 apps on one cluster 50 million copies a tick.
    const same = byCluster.get(name);
    if (same) same.push(app);
    else byCluster.set(name, [app]);
  }
  const tick: DriftTick = {
    clusters: byCluster.size,
    apps: apps.length,
    unchanged: 0,
    busy: 0,
    woken: [],
    storeReads: { views: 0, statuses: 0, inventories: 0 },
  };
  const heads = new Map<string, Promise<string>>();
  for (const clusterApps of byCluster.values()) {
    await checkClusterDrift(deps, clusterApps, heads, tick).catch((err: Error) => {
      deps.log.error('drift check of a cluster failed', {
        cluster: clusterApps[0]?.destination.name ?? clusterApps[0]?.destination.server,
        detail: err.message,
      });
    });
  }
  return tick;
}

/**
 * An app whose live objects are to be compared, with only what the comparison reads of its status:
 * a pass holds one per app of the cluster until its objects are read, so whole statuses (each
 * with its resources and messages) are not kept.
 */
interface Candidate {
  app: App;
  status: DriftStatus;
  inventory: InventoryEntry[];
  /** Its view lacked the status: it was read on its own. */
  unviewed: boolean;
}

/**
 * What a pass keeps of each live object: its owned fingerprint and health, worked out as its page
 * is read. Thousands of apps' objects are read at once; keeping the objects themselves (even
 * slim) held every page's parsed spec and status until the whole cluster was read.
 */
interface LiveSummary {
  owned?: string;
  health?: HealthStatus;
}

const summarize = (obj: KubeObject): LiveSummary => ({
  owned: ownedFingerprint(obj),
  health: assessHealth(obj),
});

async function checkClusterDrift(
  deps: DriftCheckDeps,
  apps: App[],
  heads: Map<string, Promise<string>>,
  tick: DriftTick,
): Promise<void> {
  const wake = async (app: App, finding: DriftFinding, reason: SyncReason) => {
    tick.woken.push({ app: app.name, finding });
    await deps.queue.send(
      { app: app.name, reason, requestedAt: deps.clock.now(), group: wakeUpGroup(app) },
      { delaySeconds: Math.floor((deps.random ?? Math.random)() * (deps.jitterSeconds ?? 0)) },
    );
  };
  const cluster: Cluster | undefined = await clusterOf(deps, apps[0]!);
  tick.storeReads.views++;
  const views = new Map(
    (await deps.store.listDriftViews(destinationKeyOf(apps[0]!))).map((view) => [view.app, view]),
  );
  const candidates: Candidate[] = [];
  // What views lack is read a few apps at a time: one pass over 1,000 apps stays within seconds.
  const readLimit = pLimit(storeReadConcurrency);
  await Promise.all(
    apps.map((app) =>
      readLimit(async () => {
        const view = views.get(app.name);
        let status = view?.status;
        const unviewed = !status;
        if (!status) {
          tick.storeReads.statuses++;
          const stored = await deps.store.getStatus(app.name);
          status = stored && driftStatusOf(stored);
        }
        if (status?.operation?.phase === 'Running') {
          // The worker's own chain carries a running operation; only one that outlived any sync's
          // deadline (its chain lost) is woken, to be ended by its timeout.
          const started = Date.parse(status.operation.startedAt);
          if (deps.clock.now() - started > (deps.staleOperationMs ?? defaultStaleOperationMs))
            await wake(app, 'stale-operation', 'drift');
          else tick.busy++;
          return;
        }
        if (!cluster || !status || status.sync === 'Unknown' || !status.renderKey) {
          // A wake-up asked for lately and not yet served is on its way (1,000 apps registered at
          // once wait minutes in the queue): another one each tick would only crowd it. One asked
          // for longer ago than any sync may last is woken again, in case its wake-up was lost.
          const pending = status ? undefined : await deps.store.getSyncRequest(app.name);
          if (
            pending &&
            deps.clock.now() - pending.requestedAt < (deps.staleOperationMs ?? defaultStaleOperationMs)
          ) {
            tick.busy++;
            return;
          }
          // Never compared, or last time it could not be: the worker says why, or compares.
          await wake(app, cluster ? 'never-compared' : 'cannot-check', 'drift');
          return;
        }
        let revision: string;
        try {
          revision = await headOf(deps, app, heads);
        } catch {
          await wake(app, 'cannot-check', 'drift');
          return;
        }
        if (revision !== status.revision) await wake(app, 'new-revision', 'poll');
        else if (renderKeyOf(app, revision) !== status.renderKey) await wake(app, 'spec-changed', 'drift');
        else {
          let inventory = view?.inventory;
          if (!inventory) {
            tick.storeReads.inventories++;
            inventory = await deps.store.getInventory(app.name);
          }
          candidates.push({ app, status, inventory, unviewed });
        }
      }),
    ),
  );
  if (candidates.length === 0) return;
  try {
    await checkLiveState(deps, cluster!, candidates, tick, wake);
  } catch (err) {
    // The cluster cannot be read from here (no access for this function, a network fault): the
    // worker compares these apps instead, as every drift check did before, rather than none.
    deps.log.warn('drift check cannot read the cluster; the worker compares its apps', {
      cluster: cluster!.name,
      detail: (err as Error).message,
    });
    for (const { app } of candidates) await wake(app, 'cannot-check', 'drift');
  }
}

async function checkLiveState(
  deps: DriftCheckDeps,
  cluster: Cluster,
  candidates: Candidate[],
  tick: DriftTick,
  wake: (app: App, finding: DriftFinding, reason: SyncReason) => Promise<void>,
): Promise<void> {
  const connection = await deps.connector.connect(cluster);
  // Its own breaker, for this pass: what it sees of the cluster is recorded with the workers'.
  const breaker = new ClusterBreaker(cluster.name, {
    listener: deps.clusterReport?.listenerFor(cluster.name, connection.server),
  });
  const rm = new ResourceManager(connection, {
    ...deps.engine,
    client: { ...deps.engine?.client, breaker },
  });
  try {
    // Every inventory of the cluster at once: one LIST per kind and namespace, or across the cluster.
    const { live, unserved } = await readLiveObjects(
      rm,
      candidates.flatMap((c) => c.inventory),
      batchReadOptions,
      summarize,
    );

    let viewFills = 0;
    for (const { app, status, inventory, unviewed } of candidates) {
      let drifted = false;
      let unknown = false;
      const healths: HealthStatus[] = [];
      for (const entry of inventory) {
        const key = refKey(entry);
        const obj = unserved.has(key) ? undefined : live.get(key);
        if (!obj) {
          drifted = true;
          healths.push({ status: 'Missing' });
          continue;
        }
        const owned = ownedPartOf(entry.fingerprint);
        if (!owned) unknown = true;
        else if (obj.owned !== owned) drifted = true;
        if (obj.health) healths.push(obj.health);
      }
      const outOfSync = status.sync === 'OutOfSync';
      if (unknown) await wake(app, 'never-compared', 'drift');
      else if (drifted && (!outOfSync || isSelfHealing(app))) await wake(app, 'live-changed', 'drift');
      // OutOfSync because Git moved on (a manual app not yet synced to its head) is not live drift.
      else if (!drifted && outOfSync && !gitAhead(status)) await wake(app, 'back-in-sync', 'drift');
      else if (worstHealth(healths).status !== status.health) await wake(app, 'health-changed', 'health');
      else if (unviewed && hasFileableDestination(app) && viewFills++ < maxViewFillsPerTick)
        await wake(app, 'no-drift-view', 'health');
      else tick.unchanged++;
    }
  } finally {
    rm.close();
  }
}

/** The revision an app wants now: the pin, else each source's head (one ls-remote per repo and branch per tick). */
async function headOf(deps: DriftCheckDeps, app: App, heads: Map<string, Promise<string>>): Promise<string> {
  if (app.pinnedRevision) return app.pinnedRevision;
  const resolve =
    deps.resolveHead ??
    (async (repoURL: string, targetRevision: string | undefined) =>
      resolveRevision(repoURL, targetRevision, {
        credentials: await deps.credentials(repoURL),
        guard: deps.guard,
      }));
  const revisions = await Promise.all(
    app.sources.map((s) => {
      if (s.chart) return chartRevisionOf(s.targetRevision);
      const key = JSON.stringify([s.repoURL, s.targetRevision]);
      let head = heads.get(key);
      if (!head) {
        head = resolve(s.repoURL, s.targetRevision);
        head.catch(() => {});
        heads.set(key, head);
      }
      return head;
    }),
  );
  return revisions.join(' ');
}

/** The last comparison was with a revision other than the one last synced. */
function gitAhead(status: DriftStatus): boolean {
  const operationRevision = status.operation?.revision;
  return operationRevision !== undefined && operationRevision !== status.revision;
}
