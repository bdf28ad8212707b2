import { GitferryError } from '../domain/errors.js';
import type { App, Cluster, ClusterConnectionState, Project } from '../domain/app.js';
import type { AppLink } from '../domain/app-links.js';
import type { AuditEntry, ProjectToken, SessionRevocation } from '../domain/access-records.js';
import type { DriftView } from '../domain/drift-view.js';
import type { InventoryEntry, KubeObject } from '../domain/kube-object.js';
import type { AppStatus, InitiatedBy, SyncRun } from '../domain/status.js';
import type { SyncReason } from '../domain/sync-job.js';

/** Per-app serialisation: whoever holds the lease may write the app's sync state. */
export interface Lease {
  app: string;
  holder: string;
  /** Fencing token: strictly increases with every acquisition; writes carry it and fail if stale. */
  token: number;
  /** Epoch ms. */
  expiresAt: number;
}

/** Work asked for an app that a worker has not yet taken up (level-triggered, newest wins). */
export interface SyncRequest {
  reason: SyncReason;
  /** A pushed SHA or a manual revision; undefined = the app's targetRevision. */
  revision?: string;
  /** Manual sync options (prune, dry run) for this request only. */
  prune?: boolean;
  dryRun?: boolean;
  /** Manual sync: this operation's deadline (seconds), instead of the installation's. */
  timeoutSeconds?: number;
  /** Who asked (a user, for manual syncs and rollbacks); the run records it. */
  initiatedBy?: InitiatedBy;
  requestedAt: number;
}

/** An operation in progress (a resumable sync), stored between worker steps. */
export interface StoredOperation {
  runId: number;
  revision: string;
  reason: SyncReason;
  /** The engine's SyncState, as plain data. */
  state: unknown;
  /** Attempt number for Argo-style retries (1 = first try). */
  attempt: number;
  startedAt: number;
  /** The operation's deadline, fixed by its first step (the request's, else the installation's). */
  timeoutMs?: number;
  /** Wake-ups this operation has taken (bounded: control/wake-bounds.ts). */
  wakeUps?: number;
  /** Consecutive waits of the same task: the backoff's position. */
  waits?: number;
  /**
   * The objects rendered for this operation, kept while it waits so that later steps neither
   * fetch nor render again (absent when larger than the cache's bound: those steps render again).
   */
  desired?: { object: KubeObject; source?: string }[];
  /**
   * The app as it was when the operation started: every step works on this copy, so a spec
   * changed mid-sync never mixes into it (control/operation-spec.ts). Absent in older records.
   */
  app?: App;
  /** The request that started the operation (its prune and dry-run options hold for every step). */
  request?: SyncRequest;
  /** Who started it (control/initiator.ts), recorded in its run. */
  initiatedBy?: InitiatedBy;
}

/** What one worker step writes, atomically and only while its lease is current. */
export interface StepCommit {
  status?: AppStatus;
  /** `null` clears the operation (sync finished). */
  operation?: StoredOperation | null;
  inventory?: InventoryEntry[];
  run?: SyncRun;
  /** Requests taken up by this step are removed only if none newer arrived meanwhile. */
  consumedRequestAt?: number;
}

/** Options of `listRuns`. */
export interface ListRunsOptions {
  /**
   * List runs recorded as superseded (an older push that arrived after a newer one was deployed,
   * never applied). Default true; false skips them and still returns up to `limit` real runs, so
   * rollback finds deployed revisions however many supersessions were recorded in between.
   */
  includeSuperseded?: boolean;
}

/** A store could not do what was asked; `code` says why (state:invalid, state:corrupt, state:request-failed…). */
export class StateStoreError extends GitferryError {
  override name = 'StateStoreError';
}

/** The lease a write was fenced with is no longer the current one: nothing was written. */
export class LeaseLostError extends GitferryError {
  override name = 'LeaseLostError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('state:lease-lost', message, options);
  }
}

/**
 * Everything Gitferry keeps: apps, projects, clusters, status, sync history, inventories, leases
 * and webhook deliveries. One adapter per backend (DynamoDB, SQLite), each on BaseStateStore
 * (state-store-base.ts), which owns the semantics; one contract suite runs against every adapter.
 */
export interface StateStore {
  putApp(app: App): Promise<void>;
  getApp(name: string): Promise<App | undefined>;
  listApps(): Promise<App[]>;
  /**
   * At most `limit` (1 to 1,000) apps whose names sort after `after` (from the first without it),
   * in name order (by code unit: app names are DNS labels, so byte order too). A page of a listing
   * costs that page, not every app: the API lists this way where no catalog is held in memory
   * (Lambda). Like listApps, eventually consistent on DynamoDB.
   */
  listAppsAfter(after: string | undefined, limit: number): Promise<App[]>;
  /**
   * The apps that name `target` through `link` (domain/app-links.ts: its children, the apps that
   * depend on it, the stages promoted after it), by name, read through an index: the cost is that
   * of the apps found, not of every app. Like listApps, eventually consistent on DynamoDB.
   */
  listLinkedApps(link: AppLink, target: string): Promise<App[]>;
  deleteApp(name: string): Promise<void>;

  putProject(project: Project): Promise<void>;
  getProject(name: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;

  /** Project tokens (hashed secrets); deleting one revokes it. */
  putProjectToken(token: ProjectToken): Promise<void>;
  getProjectToken(id: string): Promise<ProjectToken | undefined>;
  listProjectTokens(project: string): Promise<ProjectToken[]>;
  deleteProjectToken(id: string): Promise<void>;

  /** The audit trail: appended, listed newest first, trimmed by age. */
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(opts?: { app?: string; limit?: number }): Promise<AuditEntry[]>;
  /** Removes entries older than `before` (epoch ms); returns how many. */
  trimAudit(before: number): Promise<number>;

  /** Revoked sessions: replaced by name, gone (read as undefined) once `expiresAt` has passed. */
  putRevocation(revocation: SessionRevocation): Promise<void>;
  getRevocation(name: string): Promise<SessionRevocation | undefined>;

  putCluster(cluster: Cluster): Promise<void>;
  getCluster(name: string): Promise<Cluster | undefined>;
  listClusters(): Promise<Cluster[]>;
  deleteCluster(name: string): Promise<void>;
  /** What the workers last saw of a cluster's API server, replaced whole; gone with the cluster. */
  putClusterState(state: ClusterConnectionState): Promise<void>;
  getClusterState(name: string): Promise<ClusterConnectionState | undefined>;
  listClusterStates(): Promise<ClusterConnectionState[]>;

  getStatus(app: string): Promise<AppStatus | undefined>;
  getOperation(app: string): Promise<StoredOperation | undefined>;
  getInventory(app: string): Promise<InventoryEntry[]>;
  /**
   * The drift views of the apps whose last steps were filed under `destination` (a cluster's name,
   * or server: destinationKeyOf), in any order: what a drift pass compares, kept by commitStep.
   * May lag the apps' own items and miss apps or halves of views (see DriftView).
   */
  listDriftViews(destination: string): Promise<DriftView[]>;
  /** Newest first, up to `limit` runs (see ListRunsOptions for superseded ones). */
  listRuns(app: string, limit: number, opts?: ListRunsOptions): Promise<SyncRun[]>;
  /** The next run id for an app (monotonic). */
  nextRunId(app: string): Promise<number>;

  /** Records that work is wanted; a newer request replaces an older one (newest wins). */
  requestSync(app: string, request: SyncRequest): Promise<void>;
  getSyncRequest(app: string): Promise<SyncRequest | undefined>;

  /** Takes the app's lease if free or expired; undefined if someone else holds it. */
  acquireLease(app: string, holder: string, ttlMs: number, now: number): Promise<Lease | undefined>;
  releaseLease(lease: Lease): Promise<void>;
  /** Writes a step's results in one transaction, only if `lease` is still the current one (else LeaseLostError). */
  commitStep(lease: Lease, commit: StepCommit): Promise<void>;

  /** True the first time a webhook delivery id is seen (kept for ttlSeconds), false for duplicates. */
  recordDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<boolean>;
  /**
   * Forgets a recorded delivery, so that it is new work again: for an intake that recorded the
   * delivery first and then failed to send its wake-ups. Forgetting an unknown id does nothing.
   */
  forgetDelivery(deliveryId: string): Promise<void>;
  /**
   * Claims a delivery for an intake about to send its wake-ups, so that a copy arriving meanwhile
   * is not told "duplicate" before the wake-ups exist: `new` (claimed, pending for
   * `pendingSeconds` unless confirmed or forgotten; after that another copy may claim it, e.g. when
   * the first intake's Lambda was frozen), `pending` (another copy holds a live claim; its outcome
   * is not known yet), `done` (confirmed or recorded, and its time is not over).
   */
  claimDelivery(deliveryId: string, pendingSeconds: number, now: number): Promise<DeliveryClaim>;
  /** Marks a claimed delivery done for ttlSeconds from now: its wake-ups were all sent. */
  confirmDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<void>;
}

/** What claimDelivery found (see there). */
export type DeliveryClaim = 'new' | 'pending' | 'done';
