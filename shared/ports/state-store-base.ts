/**
 * BaseStateStore: the StateStore port's semantics, written once, on which every adapter is built
 * (the pattern of Powertools' BasePersistenceLayer: the base owns the rules, an adapter owns only
 * its I/O).
 *
 * The base owns what every backend must agree on:
 * - the checks before anything is read or written (names, requests, step commits; see
 *   state-store-rules.ts);
 * - the subjects and actions errors are named by (`App/web step commit failed: …`), and the
 *   wrapping of backend errors with their cause;
 * - normalising `listRuns` limits;
 * - the clock a step's lease is checked against (injected, so tests and both adapters share it).
 *
 * An adapter implements the protected primitives below. Each one's comment states the atomic
 * rule it must hold, in terms of the predicates in state-store-rules.ts. An adapter calls those
 * predicates wherever it decides in code (SQLite inside a transaction, DynamoDB after a read). A
 * rule that DynamoDB must evaluate server-side, in a condition expression, names its predicate
 * beside the expression. The contract suite (test/contract/state-store-contract.ts) checks every
 * rule against every adapter.
 */
import type { App, Cluster, ClusterConnectionState, Project } from '../domain/app.js';
import { appLinks, linksTo, type AppLink } from '../domain/app-links.js';
import type { AuditEntry, ProjectToken, SessionRevocation } from '../domain/access-records.js';
import {
  destinationKeyOf,
  driftStatusOf,
  hasFileableDestination,
  type DriftStatus,
  type DriftView,
} from '../domain/drift-view.js';
import type { InventoryEntry } from '../domain/kube-object.js';
import type { AppStatus, SyncRun } from '../domain/status.js';
import { systemClock, type Clock } from './clock.js';
import { checkName, checkRequest, checkStepCommit, wrapStoreError } from './state-store-rules.js';
import {
  StateStoreError,
  type DeliveryClaim,
  type Lease,
  type ListRunsOptions,
  type StateStore,
  type StepCommit,
  type StoredOperation,
  type SyncRequest,
} from './state-store.js';

/** The definitions a store keeps, by kind (the kind also starts their subjects: `App/web`). */
export interface Definitions {
  App: App;
  Project: Project;
  Cluster: Cluster;
  ClusterState: ClusterConnectionState;
  ProjectToken: ProjectToken;
  AuditEntry: AuditEntry;
  Revocation: SessionRevocation;
}
export type DefinitionKind = keyof Definitions;

/** The parts of an app's sync state that a step replaces whole. */
export interface StateParts {
  status: AppStatus;
  operation: StoredOperation;
  inventory: InventoryEntry[];
}
export type StatePart = keyof StateParts;

type MaybePromise<T> = T | Promise<T>;

/** What driftViewOf's reads answer when they fail. */
const failed: unique symbol = Symbol('read failed');

/**
 * The halves of an app's drift view a step writes, and where they are filed (writeStep); with no
 * destination, the halves given are removed instead.
 */
export interface DriftViewWrite {
  destination: string | undefined;
  status?: DriftStatus;
  inventory?: InventoryEntry[];
}

/** The largest `listRuns` limit passed on to an adapter (SQLite's LIMIT is a 32-bit value). */
const maxListLimit = 2 ** 31;
/** The most apps one listAppsAfter reads: a page of the API is at most 500, plus one to look ahead. */
const maxAppsPerRead = 1_000;

const listNames: Record<DefinitionKind, string> = {
  App: 'apps',
  Project: 'projects',
  Cluster: 'clusters',
  ClusterState: 'cluster connection states',
  ProjectToken: 'project tokens',
  AuditEntry: 'audit entries',
  Revocation: 'session revocations',
};

/**
 * Kinds whose records carry an `expiresAt` (epoch ms) after which they are dropped: DynamoDB's TTL
 * attribute is set from it, SQLite deletes them as it writes, and no read returns them after it.
 */
export const expiringKinds: ReadonlySet<DefinitionKind> = new Set(['AuditEntry', 'Revocation']);

export abstract class BaseStateStore implements StateStore {
  /** @param clock what commitStep checks lease expiry against (default the system clock). */
  protected constructor(protected readonly clock: Clock = systemClock) {}

  // ---- definitions -------------------------------------------------------------------------

  putApp(app: App): Promise<void> {
    return this.putDefinition('App', app);
  }

  getApp(name: string): Promise<App | undefined> {
    return this.getDefinition('App', name);
  }

  listApps(): Promise<App[]> {
    return this.listDefinitions('App');
  }

  listAppsAfter(after: string | undefined, limit: number): Promise<App[]> {
    return this.run('The app list', 'read', () => {
      if (after !== undefined) checkName('App', after);
      // No app is named longer (DNS labels: 63), and DynamoDB refuses key values over 1 KB.
      if (after !== undefined && after.length > 253)
        throw new StateStoreError(
          'state:invalid',
          `an app list cannot start after a name of ${after.length} characters`,
        );
      return this.readAppsAfter(after, Math.max(1, Math.min(maxAppsPerRead, Math.floor(limit) || 1)));
    });
  }

  listLinkedApps(link: AppLink, target: string): Promise<App[]> {
    return this.run(`The apps linked to App/${target} (${link})`, 'read', async () => {
      if (!appLinks.includes(link))
        throw new StateStoreError('state:invalid', `${String(link)} is not an app link`);
      checkName('App', target);
      // What the index found is checked against each definition: an index entry an interrupted or
      // racing write left behind never lists an app that no longer has the link.
      const found = await this.readLinkedApps(link, target);
      return found.filter((app) => linksTo(app, link, target)).sort((a, b) => (a.name < b.name ? -1 : 1));
    });
  }

  /** Removes the app and everything kept about it, its lease included (a worker still holding it loses it). */
  deleteApp(name: string): Promise<void> {
    return this.run(`App/${name}`, 'delete', () => this.removeApp(checkName('App', name)));
  }

  putProject(project: Project): Promise<void> {
    return this.putDefinition('Project', project);
  }

  getProject(name: string): Promise<Project | undefined> {
    return this.getDefinition('Project', name);
  }

  listProjects(): Promise<Project[]> {
    return this.listDefinitions('Project');
  }

  putCluster(cluster: Cluster): Promise<void> {
    return this.putDefinition('Cluster', cluster);
  }

  getCluster(name: string): Promise<Cluster | undefined> {
    return this.getDefinition('Cluster', name);
  }

  listClusters(): Promise<Cluster[]> {
    return this.listDefinitions('Cluster');
  }

  putClusterState(state: ClusterConnectionState): Promise<void> {
    return this.putDefinition('ClusterState', state);
  }

  getClusterState(name: string): Promise<ClusterConnectionState | undefined> {
    return this.getDefinition('ClusterState', name);
  }

  listClusterStates(): Promise<ClusterConnectionState[]> {
    return this.listDefinitions('ClusterState');
  }

  /** Removes the cluster and what was seen of it. */
  deleteCluster(name: string): Promise<void> {
    return this.run(`Cluster/${name}`, 'delete', () => this.removeCluster(checkName('Cluster', name)));
  }

  // ---- access: project tokens and the audit trail -----------------------------------------

  putProjectToken(token: ProjectToken): Promise<void> {
    return this.putDefinition('ProjectToken', token);
  }

  getProjectToken(id: string): Promise<ProjectToken | undefined> {
    return this.getDefinition('ProjectToken', id);
  }

  async listProjectTokens(project: string): Promise<ProjectToken[]> {
    return (await this.listDefinitions('ProjectToken')).filter((t) => t.project === project);
  }

  deleteProjectToken(id: string): Promise<void> {
    return this.run(`ProjectToken/${id}`, 'delete', () =>
      this.removeDefinition('ProjectToken', checkName('ProjectToken', id)),
    );
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.putDefinition('AuditEntry', entry);
  }

  async listAudit(opts: { app?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const now = this.clock.now();
    const all = (await this.listDefinitions('AuditEntry'))
      // DynamoDB's TTL removes items within days, not at once: an expired entry is not listed.
      .filter((e) => e.expiresAt === undefined || e.expiresAt > now)
      .filter((e) => opts.app === undefined || e.app === opts.app)
      .sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    return all.slice(0, Math.max(0, Math.min(opts.limit ?? 100, 10_000)));
  }

  trimAudit(before: number): Promise<number> {
    return this.run('AuditEntry', 'trim', async () => {
      const old = (await this.readDefinitions('AuditEntry')).filter((e) => e.at < before);
      for (const e of old) await this.removeDefinition('AuditEntry', e.name);
      return old.length;
    });
  }

  putRevocation(revocation: SessionRevocation): Promise<void> {
    return this.putDefinition('Revocation', revocation);
  }

  async getRevocation(name: string): Promise<SessionRevocation | undefined> {
    const found = await this.getDefinition('Revocation', name);
    return found && found.expiresAt > this.clock.now() ? found : undefined;
  }

  // ---- sync state --------------------------------------------------------------------------

  getStatus(app: string): Promise<AppStatus | undefined> {
    return this.getPart(app, 'status');
  }

  getOperation(app: string): Promise<StoredOperation | undefined> {
    return this.getPart(app, 'operation');
  }

  async getInventory(app: string): Promise<InventoryEntry[]> {
    return (await this.getPart(app, 'inventory')) ?? [];
  }

  listDriftViews(destination: string): Promise<DriftView[]> {
    return this.run(`The drift views of ${destination || 'no destination'}`, 'read', () =>
      this.readDriftViews(destination),
    );
  }

  listRuns(app: string, limit: number, opts: ListRunsOptions = {}): Promise<SyncRun[]> {
    return this.run(`App/${app}`, 'run history read', () => {
      // Whole runs only; NaN, zero and negative limits list nothing.
      const wanted = Math.min(Math.floor(limit), maxListLimit);
      if (!(wanted > 0)) return [];
      return this.readRuns(app, wanted, opts.includeSuperseded !== false);
    });
  }

  nextRunId(app: string): Promise<number> {
    return this.run(`App/${app}`, 'run id allocation', () => this.incrementRunCounter(checkName('App', app)));
  }

  requestSync(app: string, request: SyncRequest): Promise<void> {
    return this.run(`App/${app}`, 'sync request', () =>
      this.writeRequestIfNewest(checkName('App', app), checkRequest(app, request)),
    );
  }

  getSyncRequest(app: string): Promise<SyncRequest | undefined> {
    return this.run(`App/${app} sync request`, 'read', () => this.readRequest(app));
  }

  // ---- leases ------------------------------------------------------------------------------

  acquireLease(app: string, holder: string, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.run(`App/${app}`, 'lease acquisition', async () => {
      const expiresAt = now + ttlMs;
      const token = await this.takeLease(checkName('App', app), holder, expiresAt, now);
      return token === undefined ? undefined : { app, holder, token, expiresAt };
    });
  }

  /** Frees the lease if it is still this one; releasing a lease already lost is a no-op. */
  releaseLease(lease: Lease): Promise<void> {
    return this.run(`App/${lease.app}`, 'lease release', () => this.freeLease(lease));
  }

  commitStep(lease: Lease, commit: StepCommit): Promise<void> {
    return this.run(`App/${lease.app}`, 'step commit', async () => {
      checkName('App', lease.app);
      // Checked before the adapter encodes or locks anything: a bad step writes nothing.
      const checked = checkStepCommit(lease.app, commit);
      return this.writeStep(lease, checked, await this.driftViewOf(lease.app, checked));
    });
  }

  /**
   * The halves of the app's drift view this step changes, filed under the app's destination as
   * stored now; none when the step changes neither status nor inventory. A step writing the status
   * also files the stored inventory when its half is not filed there yet (the app moved, or was
   * last stepped before views were kept), so a view is whole after any step that writes a status.
   * When the destination cannot be known (the definition is gone or unreadable, or too long to
   * file under: hasFileableDestination), the halves are removed instead, so that no view older
   * than the app's own items is left to be read: the drift pass then reads those.
   */
  private async driftViewOf(app: string, commit: StepCommit): Promise<DriftViewWrite | undefined> {
    if (commit.status === undefined && commit.inventory === undefined) return undefined;
    // Both reads at once; one that fails (or throws at once) counts as not known: the step itself
    // never fails for it.
    const settle = <T>(read: () => MaybePromise<T>) =>
      Promise.resolve()
        .then(read)
        .catch((): typeof failed => failed);
    const [definition, inventoryFiledAt] = await Promise.all([
      settle(() => this.readDefinition('App', app)),
      commit.inventory === undefined ? settle(() => this.readDriftInventoryDestination(app)) : undefined,
    ]);
    let destination =
      definition !== failed && definition && hasFileableDestination(definition)
        ? destinationKeyOf(definition)
        : undefined;
    let inventory = commit.inventory;
    if (inventory === undefined && destination !== undefined && inventoryFiledAt !== destination) {
      const stored = await settle(() => this.readPart(app, 'inventory'));
      // An inventory that cannot be read is not filed as empty: the halves are removed instead.
      if (stored === failed) destination = undefined;
      else inventory = stored ?? [];
    }
    return {
      destination,
      ...(commit.status !== undefined ? { status: driftStatusOf(commit.status) } : {}),
      ...(inventory !== undefined ? { inventory } : {}),
    };
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  recordDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<boolean> {
    return this.run(`Delivery/${deliveryId}`, 'record', () =>
      this.insertDelivery(checkName('Delivery', deliveryId), ttlSeconds, now),
    );
  }

  forgetDelivery(deliveryId: string): Promise<void> {
    return this.run(`Delivery/${deliveryId}`, 'forget', () =>
      this.removeDelivery(checkName('Delivery', deliveryId)),
    );
  }

  claimDelivery(deliveryId: string, pendingSeconds: number, now: number): Promise<DeliveryClaim> {
    return this.run(`Delivery/${deliveryId}`, 'claim', () =>
      this.claimDeliveryRecord(
        checkName('Delivery', deliveryId),
        Math.max(1, Math.ceil(pendingSeconds)),
        now,
      ),
    );
  }

  confirmDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<void> {
    return this.run(`Delivery/${deliveryId}`, 'confirm', () =>
      this.confirmDeliveryRecord(checkName('Delivery', deliveryId), ttlSeconds, now),
    );
  }

  // ---- the primitives an adapter implements ------------------------------------------------
  // Each may return a value or a promise, and may throw anything: the base names the subject and
  // wraps what is not already a GitferryError. Names and arguments arrive checked.

  /** Stores a definition, replacing any of the same kind and name (an App's links in the index with it). */
  protected abstract writeDefinition<K extends DefinitionKind>(
    kind: K,
    value: Definitions[K],
  ): MaybePromise<void>;
  protected abstract readDefinition<K extends DefinitionKind>(
    kind: K,
    name: string,
  ): MaybePromise<Definitions[K] | undefined>;
  /** At most `limit` apps named after `after` (all when undefined), in name order. */
  protected abstract readAppsAfter(after: string | undefined, limit: number): MaybePromise<App[]>;
  /** Every definition of a kind, in any order (lists may be eventually consistent). */
  protected abstract readDefinitions<K extends DefinitionKind>(kind: K): MaybePromise<Definitions[K][]>;
  /**
   * The apps whose definitions, as last written, link to `target` through `link` (appLinksOf), read
   * through an index kept by writeDefinition and removeApp; it may return more (the base filters),
   * never fewer than a consistent read would.
   */
  protected abstract readLinkedApps(link: AppLink, target: string): MaybePromise<App[]>;
  protected abstract removeCluster(name: string): MaybePromise<void>;
  /** Removes a project token, audit entry or revocation (nothing else hangs off them). */
  protected abstract removeDefinition(
    kind: 'ProjectToken' | 'AuditEntry' | 'Revocation',
    name: string,
  ): MaybePromise<void>;
  /**
   * Removes the app's definition, its lease and everything kept about it (status, operation,
   * inventory, runs, request, run counter), and nothing of another app. The lease goes no later
   * than the state, so a worker still holding it is fenced out; lease tokens must still count up
   * if the app is created again.
   */
  protected abstract removeApp(name: string): MaybePromise<void>;

  protected abstract readPart<P extends StatePart>(
    app: string,
    part: P,
  ): MaybePromise<StateParts[P] | undefined>;
  /** The newest `limit` (an integer ≥ 1) runs, newest first; superseded runs count only if included. */
  protected abstract readRuns(
    app: string,
    limit: number,
    includeSuperseded: boolean,
  ): MaybePromise<SyncRun[]>;
  /** Atomically adds one to the app's run counter (absent = 0) and returns the new value. */
  protected abstract incrementRunCounter(app: string): MaybePromise<number>;

  /** Stores `request` if `requestReplaces(stored requestedAt, request.requestedAt)`, atomically. */
  protected abstract writeRequestIfNewest(app: string, request: SyncRequest): MaybePromise<void>;
  protected abstract readRequest(app: string): MaybePromise<SyncRequest | undefined>;

  /**
   * Atomically, if `leaseIsFree(stored, now)`: stores the lease for `holder` until `expiresAt` and
   * returns its fencing token, greater than any token this app's lease had before (each
   * acquisition is a new epoch, even for the same holder). Otherwise returns undefined.
   */
  protected abstract takeLease(
    app: string,
    holder: string,
    expiresAt: number,
    now: number,
  ): MaybePromise<number | undefined>;
  /** Atomically, if `isSameLease(stored, lease)`: sets its expiry to 0 and keeps its token. */
  protected abstract freeLease(lease: Lease): MaybePromise<void>;
  /**
   * Writes every part the commit carries, in one transaction, only if
   * `leaseIsCurrent(stored, lease, this.clock.now())`; otherwise throws `leaseLost(lease)` and
   * writes nothing. `operation: null` removes the operation. With `consumedRequestAt`, the stored
   * request is deleted in the same transaction if `requestConsumed(its requestedAt, consumedRequestAt)`.
   */
  protected abstract writeStep(
    lease: Lease,
    commit: StepCommit,
    driftView: DriftViewWrite | undefined,
  ): MaybePromise<void>;
  /**
   * The halves of drift views written by writeStep under `destination`; a half the adapter did not
   * keep (an inventory over its size budget) is left undefined. With the view's `driftView`, in the
   * same transaction, writeStep stores each half given, filed under its destination (replacing the
   * half stored before, wherever it was filed), or removes it when there is no destination;
   * removeApp removes both.
   */
  protected abstract readDriftViews(destination: string): MaybePromise<DriftView[]>;
  /** Where the inventory half of the app's drift view is filed (undefined: nowhere). */
  protected abstract readDriftInventoryDestination(app: string): MaybePromise<string | undefined>;

  /**
   * Atomically records the delivery for `ttlSeconds` from `now` unless a record of it that has not
   * run out exists; true if it was recorded.
   */
  protected abstract insertDelivery(id: string, ttlSeconds: number, now: number): MaybePromise<boolean>;
  /** Removes the delivery's record if there is one. */
  protected abstract removeDelivery(id: string): MaybePromise<void>;
  /**
   * Atomically: with no record of the delivery that has not run out, stores a pending one until
   * `now + pendingSeconds` and returns `new`; else `pending` for a live pending record, `done` for
   * a live done one (an adapter that cannot tell after losing a race answers `pending`: the caller
   * asks again).
   */
  protected abstract claimDeliveryRecord(
    id: string,
    pendingSeconds: number,
    now: number,
  ): MaybePromise<DeliveryClaim>;
  /** Stores the delivery as done until `now + ttlSeconds`, whatever record it had. */
  protected abstract confirmDeliveryRecord(id: string, ttlSeconds: number, now: number): MaybePromise<void>;

  // ---- helpers -----------------------------------------------------------------------------

  /** Runs one store operation; backend errors are wrapped with the subject first, ours pass through. */
  protected async run<T>(subject: string, action: string, fn: () => MaybePromise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw wrapStoreError(subject, action, err);
    }
  }

  private putDefinition<K extends DefinitionKind>(kind: K, value: Definitions[K]): Promise<void> {
    return this.run(`${kind}/${value.name}`, 'put', () => {
      checkName(kind, value.name);
      return this.writeDefinition(kind, value);
    });
  }

  private getDefinition<K extends DefinitionKind>(
    kind: K,
    name: string,
  ): Promise<Definitions[K] | undefined> {
    return this.run(`${kind}/${name}`, 'read', () => this.readDefinition(kind, name));
  }

  private listDefinitions<K extends DefinitionKind>(kind: K): Promise<Definitions[K][]> {
    return this.run(`The ${listNames[kind]} list`, 'read', () => this.readDefinitions(kind));
  }

  private getPart<P extends StatePart>(app: string, part: P): Promise<StateParts[P] | undefined> {
    return this.run(`App/${app}`, `${part} read`, () => this.readPart(app, part));
  }
}
