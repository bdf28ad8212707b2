/**
 * SqliteStateStore: the StateStore port on one SQLite file (schema in sqlite-database.ts), for
 * `gitferry serve`. The semantics are BaseStateStore's; this file is only the I/O, and SQLite
 * transactions make it simple:
 *
 * - Every write is one IMMEDIATE transaction (better-sqlite3 is synchronous, so one call's
 *   statements never interleave with another async caller's; another process waits on the lock).
 *   Rules are decided in code inside that transaction, with the port's predicates
 *   (state-store-rules.ts): what was read cannot change before the write.
 * - Lease tokens are the next value of one database-wide sequence, so they strictly increase per
 *   app even across deleteApp (which removes the lease row).
 *
 * Documents are JSON text; there is no item size limit to design around (SQLite's default limit
 * is 1 GB per value), so nothing is chunked or compressed.
 */
import type { App } from '../../domain/app.js';
import { appLinksOf, type AppLink } from '../../domain/app-links.js';
import type { DriftView } from '../../domain/drift-view.js';
import type { InventoryEntry } from '../../domain/kube-object.js';
import type { SyncRun } from '../../domain/status.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import {
  BaseStateStore,
  expiringKinds,
  type DefinitionKind,
  type DriftViewWrite,
  type Definitions,
  type StatePart,
  type StateParts,
} from '../../ports/state-store-base.js';
import {
  isSameLease,
  leaseIsCurrent,
  leaseIsFree,
  leaseLost,
  messageOf,
  requestConsumed,
  requestReplaces,
  unreadable,
  wrapStoreError,
  type StoredLease,
} from '../../ports/state-store-rules.js';
import {
  StateStoreError,
  type DeliveryClaim,
  type Lease,
  type StepCommit,
  type SyncRequest,
} from '../../ports/state-store.js';
import { migrate, writeTransaction, type SqliteDatabase } from './sqlite-database.js';

export interface SqliteStateStoreOptions {
  /** The time commitStep compares lease expiry against. Default the system clock (as DynamoDbStateStore). */
  clock: Clock;
}

export const defaultSqliteStateStoreOptions: SqliteStateStoreOptions = { clock: systemClock };

const tables: Record<DefinitionKind, DefinitionTable> = {
  App: 'apps',
  Project: 'projects',
  Cluster: 'clusters',
  ClusterState: 'cluster_states',
  ProjectToken: 'project_tokens',
  AuditEntry: 'audit_entries',
  Revocation: 'session_revocations',
};
type DefinitionTable =
  | 'apps'
  | 'projects'
  | 'clusters'
  | 'cluster_states'
  | 'project_tokens'
  | 'audit_entries'
  | 'session_revocations';

const leaseTokenSequence = 'lease-token';
/**
 * Set once the app links index holds the links of the apps stored before it existed, or before it
 * had the links it has now (`-2`: repository links).
 */
const appLinksFilled = 'app-links-filled-2';

export class SqliteStateStore extends BaseStateStore {
  private readonly sql: Statements;

  constructor(
    private readonly db: SqliteDatabase,
    opts: Partial<SqliteStateStoreOptions> = {},
  ) {
    super({ ...defaultSqliteStateStoreOptions, ...opts }.clock);
    migrate(db);
    this.sql = prepareStatements(db);
    this.fillAppLinks();
  }

  /** Indexes the links of apps a build before the index stored (once per file). */
  private fillAppLinks(): void {
    try {
      writeTransaction(this.db, () => {
        if (this.sql.getSequence.get(appLinksFilled)) return;
        for (const row of this.sql.apps.list.all()) {
          let app: App;
          try {
            app = decode<App>(`App/${row.name}`, row.doc);
          } catch {
            continue; // unreadable: reading it says so (by name); it links nothing until rewritten
          }
          this.writeLinks(row.name, app);
        }
        this.sql.nextSequence.get(appLinksFilled);
      });
    } catch (err) {
      throw wrapStoreError('The app links index', 'fill', err);
    }
  }

  private writeLinks(name: string, app: App): void {
    this.sql.deleteLinks.run(name);
    for (const { link, target } of appLinksOf(app)) this.sql.putLink.run(link, target, name);
  }

  /**
   * Frees every lease (tokens keep counting up, so a holder still alive can no longer commit).
   * For a process that owns the file at start-up: leases left by a crashed run of it would
   * otherwise hold their apps until they expire. Returns how many were freed.
   */
  releaseAllLeases(): number {
    try {
      return writeTransaction(this.db, () => this.sql.releaseAllLeases.run().changes);
    } catch (err) {
      throw wrapStoreError('Leases', 'release', err);
    }
  }

  // ---- definitions -------------------------------------------------------------------------

  protected writeDefinition<K extends DefinitionKind>(kind: K, value: Definitions[K]): void {
    const doc = encode(`${kind}/${value.name}`, value);
    const table = this.sql[tables[kind]];
    writeTransaction(this.db, () => {
      // What DynamoDB's TTL does there: records past their expiresAt go as the kind is written.
      if (expiringKinds.has(kind)) table.purge.run(this.clock.now());
      table.put.run(value.name, doc);
      if (kind === 'App') this.writeLinks(value.name, value as App);
    });
  }

  protected readDefinition<K extends DefinitionKind>(kind: K, name: string): Definitions[K] | undefined {
    const row = this.sql[tables[kind]].get.get(name);
    return row ? decode<Definitions[K]>(`${kind}/${name}`, row.doc) : undefined;
  }

  protected readDefinitions<K extends DefinitionKind>(kind: K): Definitions[K][] {
    return this.sql[tables[kind]].list
      .all()
      .map((row) => decode<Definitions[K]>(`${kind}/${row.name}`, row.doc));
  }

  protected readAppsAfter(after: string | undefined, limit: number): App[] {
    // TEXT compares as bytes (BINARY): for DNS-label names, code-unit order.
    return (after === undefined ? this.sql.appsFirst.all(limit) : this.sql.appsAfter.all(after, limit)).map(
      (row) => decode<App>(`App/${row.name}`, row.doc),
    );
  }

  protected readLinkedApps(link: AppLink, target: string): App[] {
    return this.sql.linkedApps.all(link, target).map((row) => decode<App>(`App/${row.name}`, row.doc));
  }

  protected removeCluster(name: string): void {
    writeTransaction(this.db, () => {
      this.sql.clusters.delete.run(name);
      this.sql.cluster_states.delete.run(name);
    });
  }

  protected removeDefinition(kind: 'ProjectToken' | 'AuditEntry' | 'Revocation', name: string): void {
    writeTransaction(this.db, () => this.sql[tables[kind]].delete.run(name));
  }

  protected removeApp(name: string): void {
    writeTransaction(this.db, () => {
      for (const statement of this.sql.deleteAppRows) statement.run(name);
    });
  }

  // ---- sync state --------------------------------------------------------------------------

  protected readPart<P extends StatePart>(app: string, part: P): StateParts[P] | undefined {
    const doc = this.sql[part].get.get(app)?.doc;
    return doc == null ? undefined : decode<StateParts[P]>(`App/${app} ${part}`, doc);
  }

  protected readRuns(app: string, limit: number, includeSuperseded: boolean): SyncRun[] {
    const rows = this.sql.listRuns.all(app, includeSuperseded ? 1 : 0, limit);
    return rows.map((row) => decode<SyncRun>(`App/${app} run history`, row.doc));
  }

  protected incrementRunCounter(app: string): number {
    return writeTransaction(this.db, () => this.sql.nextRunId.get(app)!.value, 'bookkeeping');
  }

  protected writeRequestIfNewest(app: string, request: SyncRequest): void {
    const doc = encode(`App/${app} sync request`, request);
    writeTransaction(this.db, () => {
      const stored = this.sql.getRequestedAt.get(app)?.requested_at;
      if (requestReplaces(stored, request.requestedAt))
        this.sql.putRequest.run(app, request.requestedAt, doc);
    });
  }

  protected readRequest(app: string): SyncRequest | undefined {
    const row = this.sql.getRequest.get(app);
    return row ? decode<SyncRequest>(`App/${app} sync request`, row.doc) : undefined;
  }

  // ---- leases ------------------------------------------------------------------------------

  protected takeLease(app: string, holder: string, expiresAt: number, now: number): number | undefined {
    return writeTransaction(
      this.db,
      () => {
        if (!leaseIsFree(this.storedLease(app), now)) return undefined;
        const token = this.sql.nextSequence.get(leaseTokenSequence)!.value;
        this.sql.putLease.run(app, holder, token, expiresAt);
        return token;
      },
      'bookkeeping',
    );
  }

  protected freeLease(lease: Lease): void {
    writeTransaction(
      this.db,
      () => {
        if (isSameLease(this.storedLease(lease.app), lease)) this.sql.releaseLease.run(lease.app);
      },
      'bookkeeping',
    );
  }

  protected writeStep(lease: Lease, commit: StepCommit, driftView: DriftViewWrite | undefined): void {
    const { app } = lease;
    // Encoded before the transaction: a step that cannot be encoded writes nothing and holds no lock.
    const writes = this.encodeStep(app, commit);
    // Without a destination, each half given is removed (NULL): the drift pass reads the app's own.
    const filed = driftView?.destination ?? null;
    if (driftView?.status) {
      const doc = filed === null ? null : encode(`App/${app} drift view`, driftView.status);
      writes.push(() => this.sql.putDriftStatus.run(app, filed, doc));
    }
    if (driftView?.inventory) writes.push(() => this.sql.putDriftInventory.run(app, filed));
    writeTransaction(this.db, () => {
      if (!leaseIsCurrent(this.storedLease(app), lease, this.clock.now())) throw leaseLost(lease);
      for (const write of writes) write();
      if (commit.consumedRequestAt !== undefined) {
        const stored = this.sql.getRequestedAt.get(app)?.requested_at;
        if (stored !== undefined && requestConsumed(stored, commit.consumedRequestAt))
          this.sql.deleteRequest.run(app);
      }
    });
  }

  protected readDriftInventoryDestination(app: string): string | undefined {
    return this.sql.driftInventoryDestination.get(app)?.inventory_destination ?? undefined;
  }

  protected readDriftViews(destination: string): DriftView[] {
    return this.sql.driftViews.all({ destination }).map((row) => ({
      app: row.app,
      ...(row.status !== null ? { status: decode(`App/${row.app} drift view`, row.status) } : {}),
      ...(row.inventory !== null
        ? { inventory: decode<InventoryEntry[]>(`App/${row.app} inventory`, row.inventory) }
        : {}),
    }));
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  protected insertDelivery(id: string, ttlSeconds: number, now: number): boolean {
    return writeTransaction(this.db, () => {
      // An expired record counts as absent (a redelivery after the window is new work again);
      // removing them here also keeps the table from growing with every push.
      this.sql.purgeDeliveries.run(now);
      return this.sql.insertDelivery.run(id, now + ttlSeconds * 1000).changes === 1;
    });
  }

  protected removeDelivery(id: string): void {
    writeTransaction(this.db, () => this.sql.deleteDelivery.run(id));
  }

  protected claimDeliveryRecord(id: string, pendingSeconds: number, now: number): DeliveryClaim {
    return writeTransaction(this.db, () => {
      this.sql.purgeDeliveries.run(now);
      const found = this.sql.selectDelivery.get(id);
      if (found) return found.pending_until === null ? 'done' : 'pending';
      const until = now + pendingSeconds * 1000;
      this.sql.claimDelivery.run(id, until, until);
      return 'new';
    });
  }

  protected confirmDeliveryRecord(id: string, ttlSeconds: number, now: number): void {
    writeTransaction(this.db, () => this.sql.confirmDelivery.run(id, now + ttlSeconds * 1000));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private storedLease(app: string): StoredLease | undefined {
    const row = this.sql.getLease.get(app);
    return row && { holder: row.holder, token: row.token, expiresAt: row.expires_at };
  }

  /** The statements a step runs once its lease is confirmed, encoded up front. */
  private encodeStep(app: string, commit: StepCommit): (() => void)[] {
    const subject = `App/${app}`;
    const writes: (() => void)[] = [];
    if (commit.status !== undefined) {
      const doc = encode(`${subject} status`, commit.status);
      writes.push(() => this.sql.status.put.run(app, doc));
    }
    if (commit.operation !== undefined) {
      const doc = commit.operation === null ? null : encode(`${subject} operation`, commit.operation);
      writes.push(() => this.sql.operation.put.run(app, doc));
    }
    if (commit.inventory !== undefined) {
      const doc = encode(`${subject} inventory`, commit.inventory);
      writes.push(() => this.sql.inventory.put.run(app, doc));
    }
    if (commit.run !== undefined) {
      const { run } = commit;
      const doc = encode(`${subject} run ${run.id}`, run);
      writes.push(() => this.sql.putRun.run(app, run.id, doc));
    }
    return writes;
  }
}

type Statements = ReturnType<typeof prepareStatements>;

/** Every statement the store runs, prepared once. */
function prepareStatements(db: SqliteDatabase) {
  const definition = (table: DefinitionTable) => ({
    put: db.prepare<[string, string]>(
      `INSERT INTO ${table} (name, doc) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`,
    ),
    get: db.prepare<[string], { doc: string }>(`SELECT doc FROM ${table} WHERE name = ?`),
    list: db.prepare<[], { name: string; doc: string }>(`SELECT name, doc FROM ${table} ORDER BY name`),
    delete: db.prepare<[string]>(`DELETE FROM ${table} WHERE name = ?`),
    purge: db.prepare<[number]>(
      `DELETE FROM ${table} WHERE json_extract(doc, '$.expiresAt') IS NOT NULL AND json_extract(doc, '$.expiresAt') <= ?`,
    ),
  });
  const part = (column: StatePart) => ({
    get: db.prepare<[string], { doc: string | null }>(
      `SELECT ${column} AS doc FROM app_states WHERE app = ?`,
    ),
    put: db.prepare<[string, string | null]>(
      `INSERT INTO app_states (app, ${column}) VALUES (?, ?) ON CONFLICT (app) DO UPDATE SET ${column} = excluded.${column}`,
    ),
  });
  return {
    apps: definition('apps'),
    projects: definition('projects'),
    clusters: definition('clusters'),
    cluster_states: definition('cluster_states'),
    project_tokens: definition('project_tokens'),
    audit_entries: definition('audit_entries'),
    session_revocations: definition('session_revocations'),
    status: part('status'),
    operation: part('operation'),
    inventory: part('inventory'),
    putRun: db.prepare<[string, number, string]>(
      'INSERT INTO sync_runs (app, id, doc) VALUES (?, ?, ?) ON CONFLICT (app, id) DO UPDATE SET doc = excluded.doc',
    ),
    // The filter is in SQL so that LIMIT counts only the runs wanted.
    listRuns: db.prepare<[string, number, number], { doc: string }>(
      `SELECT doc FROM sync_runs WHERE app = ?
       AND (? = 1 OR coalesce(json_extract(doc, '$.superseded'), 0) = 0)
       ORDER BY id DESC LIMIT ?`,
    ),
    nextRunId: db.prepare<[string], { value: number }>(
      'INSERT INTO run_counters (app, value) VALUES (?, 1) ON CONFLICT (app) DO UPDATE SET value = value + 1 RETURNING value',
    ),
    nextSequence: db.prepare<[string], { value: number }>(
      'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value',
    ),
    putRequest: db.prepare<[string, number, string]>(
      `INSERT INTO sync_requests (app, requested_at, doc) VALUES (?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET requested_at = excluded.requested_at, doc = excluded.doc`,
    ),
    getRequest: db.prepare<[string], { doc: string }>('SELECT doc FROM sync_requests WHERE app = ?'),
    getRequestedAt: db.prepare<[string], { requested_at: number }>(
      'SELECT requested_at FROM sync_requests WHERE app = ?',
    ),
    deleteRequest: db.prepare<[string]>('DELETE FROM sync_requests WHERE app = ?'),
    getLease: db.prepare<[string], { holder: string; token: number; expires_at: number }>(
      'SELECT holder, token, expires_at FROM leases WHERE app = ?',
    ),
    putLease: db.prepare<[string, string, number, number]>(
      `INSERT INTO leases (app, holder, token, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
    ),
    releaseLease: db.prepare<[string]>('UPDATE leases SET expires_at = 0 WHERE app = ?'),
    releaseAllLeases: db.prepare('UPDATE leases SET expires_at = 0 WHERE expires_at > 0'),
    putLink: db.prepare<[string, string, string]>(
      'INSERT INTO app_links (link, target, app) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    deleteLinks: db.prepare<[string]>('DELETE FROM app_links WHERE app = ?'),
    appsFirst: db.prepare<[number], { name: string; doc: string }>(
      'SELECT name, doc FROM apps ORDER BY name LIMIT ?',
    ),
    appsAfter: db.prepare<[string, number], { name: string; doc: string }>(
      'SELECT name, doc FROM apps WHERE name > ? ORDER BY name LIMIT ?',
    ),
    linkedApps: db.prepare<[string, string], { name: string; doc: string }>(
      `SELECT a.name, a.doc FROM app_links l JOIN apps a ON a.name = l.app
       WHERE l.link = ? AND l.target = ? ORDER BY a.name`,
    ),
    getSequence: db.prepare<[string], { value: number }>('SELECT value FROM sequences WHERE name = ?'),
    putDriftStatus: db.prepare<[string, string | null, string | null]>(
      `INSERT INTO drift_views (app, status_destination, status) VALUES (?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET status_destination = excluded.status_destination, status = excluded.status`,
    ),
    putDriftInventory: db.prepare<[string, string | null]>(
      `INSERT INTO drift_views (app, inventory_destination) VALUES (?, ?)
       ON CONFLICT (app) DO UPDATE SET inventory_destination = excluded.inventory_destination`,
    ),
    driftInventoryDestination: db.prepare<[string], { inventory_destination: string | null }>(
      'SELECT inventory_destination FROM drift_views WHERE app = ?',
    ),
    // The inventory half is the app's inventory itself (kept once); each half only where it was filed.
    driftViews: db.prepare<
      [{ destination: string }],
      { app: string; status: string | null; inventory: string | null }
    >(
      `SELECT d.app AS app,
         CASE WHEN d.status_destination = @destination THEN d.status END AS status,
         CASE WHEN d.inventory_destination = @destination THEN s.inventory END AS inventory
       FROM drift_views d LEFT JOIN app_states s ON s.app = d.app
       WHERE d.status_destination = @destination OR d.inventory_destination = @destination`,
    ),
    deleteAppRows: [
      'apps',
      'app_links',
      'app_states',
      'sync_runs',
      'sync_requests',
      'leases',
      'run_counters',
      'drift_views',
    ].map((table) =>
      db.prepare<[string]>(`DELETE FROM ${table} WHERE ${table === 'apps' ? 'name' : 'app'} = ?`),
    ),
    purgeDeliveries: db.prepare<[number]>('DELETE FROM webhook_deliveries WHERE expires_at <= ?'),
    deleteDelivery: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE id = ?'),
    selectDelivery: db.prepare<[string], { pending_until: number | null }>(
      'SELECT pending_until FROM webhook_deliveries WHERE id = ?',
    ),
    claimDelivery: db.prepare<[string, number, number]>(
      'INSERT INTO webhook_deliveries (id, expires_at, pending_until) VALUES (?, ?, ?)',
    ),
    confirmDelivery: db.prepare<[string, number]>(
      'INSERT INTO webhook_deliveries (id, expires_at, pending_until) VALUES (?, ?, NULL) ' +
        'ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, pending_until = NULL',
    ),
    insertDelivery: db.prepare<[string, number]>(
      'INSERT INTO webhook_deliveries (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
    ),
  };
}

function encode(subject: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new StateStoreError('state:invalid', `${subject} is not JSON data`);
  return json;
}

function decode<T>(subject: string, doc: string): T {
  try {
    return JSON.parse(doc) as T;
  } catch (err) {
    throw unreadable(subject, messageOf(err), err);
  }
}
