// What the use cases run on: the ports, the renderer and their options. Built by shared/runtime/.
import type { App, Cluster, Project } from '../domain/app.js';
import { defaultProject } from '../domain/app.js';
import { destinationKeyOf } from '../domain/drift-view.js';
import { redactDeep } from '../domain/redact.js';
import { withRequestDeadline } from '../engine/kube-client.js';
import { ResourceManager, type ResourceManagerOptions } from '../engine/resource-manager.js';
import type { ClusterConnector } from '../ports/cluster-connector.js';
import type { Clock } from '../ports/clock.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { Lease, StateStore, StepCommit } from '../ports/state-store.js';
import type { GitCredentials } from '../source/git-http.js';
import type { SourceRenderer } from '../source/render.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import { ClusterSessions } from './cluster-sessions.js';
import { defaultWakeUpBounds, waitBackoffSeconds, type WakeUpBounds } from './wake-bounds.js';

export interface ControlOptions {
  /** How long a worker may hold an app (longer than one step). */
  leaseTtlMs: number;
  /**
   * Cluster requests made under a lease end this long before it does (at most a tenth of the
   * lease), so a cluster that stops answering fails the step while the worker can still record it.
   */
  leaseMarginMs: number;
  /**
   * Delays of a chain of waits (a sync step that waits, a health recheck, a held lease), in
   * seconds, one per consecutive wait, the last one repeating (wake-bounds.ts).
   */
  backoffSeconds: readonly number[];
  /** How long those chains may go on (wake-bounds.ts). */
  bounds: WakeUpBounds;
  /** A whole sync's deadline. */
  syncTimeoutMs: number;
  engine: Partial<ResourceManagerOptions>;
  guard: UrlGuardOptions;
  /** Applications and AppProjects rendered into this namespace become child apps (app of apps). */
  argoNamespace: string;
  /**
   * Waits between attempts to release a lease, in ms. A release the store refuses (a burst of
   * throttling longer than the SDK's own retries) would otherwise hold the app for its whole TTL.
   */
  releaseRetryMs: readonly number[];
}

export const defaultControlOptions: ControlOptions = {
  leaseTtlMs: 5 * 60_000,
  leaseMarginMs: 15_000,
  backoffSeconds: waitBackoffSeconds,
  bounds: defaultWakeUpBounds,
  syncTimeoutMs: 30 * 60_000,
  engine: {},
  guard: {},
  argoNamespace: 'argocd',
  releaseRetryMs: [250, 1_000, 3_000],
};

export interface ControlDeps {
  store: StateStore;
  queue: JobQueue;
  connector: ClusterConnector;
  renderer: SourceRenderer;
  credentials: (repoURL: string) => Promise<GitCredentials | undefined>;
  clock: Clock;
  log: Logger;
  /** Identifies this worker in leases (e.g. the Lambda request id). */
  holder: string;
  /** Sends the notifications apps subscribe to (none when the installation configured none). */
  notifier?: Notifier;
  options?: Partial<ControlOptions>;
  /**
   * The process's cluster sessions (and so its cluster breakers), shared by every handler it
   * makes: a warm Lambda makes one handler per invocation. A new one when absent.
   */
  clusters?: ClusterSessions;
}

/** Deps with their options merged over the defaults, as every use case takes them. */
export type Control = Omit<ControlDeps, 'options'> & {
  o: ControlOptions;
  /** ResourceManagers shared by this process's wake-ups (cluster-sessions.ts); a fresh one each when absent. */
  clusters?: ClusterSessions;
};

export function controlOf(deps: ControlDeps): Control {
  return {
    ...deps,
    o: { ...defaultControlOptions, ...deps.options },
    clusters: deps.clusters ?? new ClusterSessions(),
  };
}

/**
 * Cluster requests under a lease get at least this long: a lease this short (tests that take over
 * from a dead worker in seconds) is shorter than a step on a busy machine, and such a step has
 * always finished on its expired lease when nobody took the app over.
 */
const minimumClusterWindowMs = 20_000;

/** Runs the work of a lease with its cluster requests ending before the lease does (leaseMarginMs). */
export function underLease<T>(
  c: Pick<Control, 'o' | 'clock'>,
  lease: Lease,
  fn: () => Promise<T>,
): Promise<T> {
  const margin = Math.min(c.o.leaseMarginMs, c.o.leaseTtlMs / 10);
  return withRequestDeadline(Math.max(lease.expiresAt - margin, c.clock.now() + minimumClusterWindowMs), fn);
}

/**
 * Releases a lease, retrying as `releaseRetryMs` says. Never throws: a lease that cannot be
 * released ends at its expiry, which is logged so an app waiting that long is explained.
 */
export async function releaseLeaseSoon(c: Pick<Control, 'store' | 'o' | 'log'>, lease: Lease): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.store.releaseLease(lease);
      return;
    } catch (err) {
      const wait = c.o.releaseRetryMs[attempt];
      if (wait === undefined) {
        c.log.warn('could not release the lease; the app waits for its expiry', {
          app: lease.app,
          expiresAt: new Date(lease.expiresAt).toISOString(),
          message: (err as Error).message,
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** The cluster's ResourceManager for one wake-up; hand it back with releaseCluster. */
export async function openCluster(
  c: Pick<Control, 'connector' | 'o' | 'clusters'>,
  cluster: Cluster,
): Promise<ResourceManager> {
  if (c.clusters) return c.clusters.acquire(c.connector, cluster, c.o.engine);
  return new ResourceManager(await c.connector.connect(cluster), c.o.engine);
}

export function releaseCluster(c: Pick<Control, 'clusters'>, rm: ResourceManager): void {
  if (c.clusters) c.clusters.release(rm);
  else rm.close();
}

/**
 * Writes a step. Status and history hold messages from git, helm and the cluster's API server,
 * which may quote credentials: they are stored redacted (the operation's state is engine data
 * that is applied later, and is never shown, so it is left exact).
 */
export function commitStep(c: Pick<Control, 'store'>, lease: Lease, commit: StepCommit): Promise<void> {
  return c.store.commitStep(lease, {
    ...commit,
    ...(commit.status ? { status: redactDeep(commit.status) } : {}),
    ...(commit.run ? { run: redactDeep(commit.run) } : {}),
  });
}

export function clusterOf(c: Pick<Control, 'store'>, app: App): Promise<Cluster | undefined> {
  return c.store.getCluster(destinationKeyOf(app));
}

export async function projectOf(c: Control, app: App): Promise<Project | undefined> {
  return (await c.store.getProject(app.project)) ?? (app.project === 'default' ? defaultProject : undefined);
}

/** An app with the cluster and project it was checked against: what a step or refresh works on. */
export interface SyncTarget {
  app: App;
  cluster: Cluster;
  project: Project;
}
