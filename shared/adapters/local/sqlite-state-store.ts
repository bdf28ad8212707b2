/**
 * SqliteStateStore: the StateStore port on one SQLite file (schema in sqlite-database.ts), for
 * `gitferry serve`. Same semantics as DynamoDbStateStore; SQLite transactions make them simple:
 *
 * - Every write is one IMMEDIATE transaction (better-sqlite3 is synchronous, so one call's
 *   statements never interleave with another async caller's; another process waits on the lock).
 * - Leases: acquire takes the lease if absent or expired (`expires_at <= now`) and hands out the
 *   next value of one database-wide sequence as the fencing token, so tokens strictly increase per
 *   app even across deleteApp (which removes the lease row). Release sets `expires_at` to 0.
 * - commitStep checks the lease (holder, token, `expires_at > now`) inside the transaction that
 *   writes the step; a stale lease throws LeaseLostError before any write.
 * - Requests: newest wins (an older `requestedAt` never replaces a newer one); a step's
 *   `consumedRequestAt` deletes the stored request only if it is that one (or older).
 *
 * Documents are JSON text; there is no item size limit to design around (SQLite's default limit
 * is 1 GB per value), so nothing is chunked or compressed.
 */
import type { App, Cluster, Project } from '../../domain/app.js';
import { GitferryError } from '../../domain/errors.js';
import type { InventoryEntry } from '../../domain/kube-object.js';
import type { AppStatus, SyncRun } from '../../domain/status.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import {
  checkName,
  LeaseLostError,
  StateStoreError,
  type Lease,
  type ListRunsOptions,
  type StateStore,
  type StepCommit,
  type StoredOperation,
  type SyncRequest,
} from '../../ports/state-store.js';
import { messageOf, migrate, writeTransaction, type SqliteDatabase } from './sqlite-database.js';

export interface SqliteStateStoreOptions {
  /** The time commitStep compares lease expiry against. Default the system clock (as DynamoDbStateStore). */
  clock: Clock;
}

export const defaultSqliteStateStoreOptions: SqliteStateStoreOptions = { clock: systemClock };

type DefinitionTable = 'apps' | 'projects' | 'clusters';
type StatePart = 'status' | 'operation' | 'inventory';

interface LeaseRow {
  holder: string;
  token: number;
  expires_at: number;
}

const leaseTokenSequence = 'lease-token';

export class SqliteStateStore implements StateStore {
  private readonly opts: SqliteStateStoreOptions;
  private readonly sql: Statements;

  constructor(
    private readonly db: SqliteDatabase,
    opts: Partial<SqliteStateStoreOptions> = {},
  ) {
    this.opts = { ...defaultSqliteStateStoreOptions, ...opts };
    migrate(db);
    this.sql = prepareStatements(db);
  }

  // ---- definitions -------------------------------------------------------------------------

  putApp(app: App): Promise<void> {
    return this.putDefinition('apps', 'App', app);
  }

  getApp(name: string): Promise<App | undefined> {
    return this.getDefinition<App>('apps', 'App', name);
  }

  listApps(): Promise<App[]> {
    return this.listDefinitions<App>('apps', 'App');
  }

  /** Removes the app and everything kept about it, its lease included (a worker still holding it loses it). */
  deleteApp(name: string): Promise<void> {
    return this.call(`App/${name}`, 'delete', () => {
      checkName('App', name);
      writeTransaction(this.db, () => {
        for (const statement of this.sql.deleteAppRows) statement.run(name);
      });
    });
  }

  putProject(project: Project): Promise<void> {
    return this.putDefinition('projects', 'Project', project);
  }

  getProject(name: string): Promise<Project | undefined> {
    return this.getDefinition<Project>('projects', 'Project', name);
  }

  listProjects(): Promise<Project[]> {
    return this.listDefinitions<Project>('projects', 'Project');
  }

  putCluster(cluster: Cluster): Promise<void> {
    return this.putDefinition('clusters', 'Cluster', cluster);
  }

  getCluster(name: string): Promise<Cluster | undefined> {
    return this.getDefinition<Cluster>('clusters', 'Cluster', name);
  }

  listClusters(): Promise<Cluster[]> {
    return this.listDefinitions<Cluster>('clusters', 'Cluster');
  }

  deleteCluster(name: string): Promise<void> {
    return this.call(`Cluster/${name}`, 'delete', () => {
      writeTransaction(this.db, () => this.sql.clusters.delete.run(name));
    });
  }

  // ---- sync state --------------------------------------------------------------------------

  getStatus(app: string): Promise<AppStatus | undefined> {
    return this.readPart<AppStatus>(app, 'status');
  }

  getOperation(app: string): Promise<StoredOperation | undefined> {
    return this.readPart<StoredOperation>(app, 'operation');
  }

  async getInventory(app: string): Promise<InventoryEntry[]> {
    return (await this.readPart<InventoryEntry[]>(app, 'inventory')) ?? [];
  }

  listRuns(app: string, limit: number, opts: ListRunsOptions = {}): Promise<SyncRun[]> {
    return this.call(`App/${app}`, 'run history read', () => {
      if (!(limit > 0)) return [];
      const include = opts.includeSuperseded === false ? 0 : 1;
      const rows = this.sql.listRuns.all(app, include, Math.min(Math.floor(limit), 2 ** 31));
      return rows.map((row) => decode<SyncRun>(`App/${app} run history`, row.doc));
    });
  }

  nextRunId(app: string): Promise<number> {
    return this.call(`App/${app}`, 'run id allocation', () => {
      checkName('App', app);
      return writeTransaction(this.db, () => this.sql.nextRunId.get(app)!.value);
    });
  }

  requestSync(app: string, request: SyncRequest): Promise<void> {
    return this.call(`App/${app}`, 'sync request', () => {
      checkName('App', app);
      if (!Number.isFinite(request.requestedAt)) {
        throw new StateStoreError('state:invalid', `App/${app} sync request has no valid requestedAt`);
      }
      const doc = encode(`App/${app} sync request`, request);
      writeTransaction(this.db, () => this.sql.putRequest.run(app, request.requestedAt, doc));
    });
  }

  getSyncRequest(app: string): Promise<SyncRequest | undefined> {
    return this.call(`App/${app}`, 'sync request read', () => {
      const row = this.sql.getRequest.get(app);
      return row ? decode<SyncRequest>(`App/${app} sync request`, row.doc) : undefined;
    });
  }

  // ---- leases ------------------------------------------------------------------------------

  acquireLease(app: string, holder: string, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.call(`App/${app}`, 'lease acquisition', () => {
      checkName('App', app);
      return writeTransaction(this.db, () => {
        const current = this.sql.getLease.get(app);
        if (current && current.expires_at > now) return undefined;
        // Each acquisition is a new fencing epoch, even for the same holder.
        const token = this.sql.nextSequence.get(leaseTokenSequence)!.value;
        const expiresAt = now + ttlMs;
        this.sql.putLease.run(app, holder, token, expiresAt);
        return { app, holder, token, expiresAt };
      });
    });
  }

  /** Frees the lease if it is still this one; releasing a lease already lost is a no-op. */
  releaseLease(lease: Lease): Promise<void> {
    return this.call(`App/${lease.app}`, 'lease release', () => {
      writeTransaction(this.db, () => this.sql.releaseLease.run(lease.app, lease.holder, lease.token));
    });
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
      throw wrap('Leases', 'release', err);
    }
  }

  commitStep(lease: Lease, commit: StepCommit): Promise<void> {
    const subject = `App/${lease.app}`;
    return this.call(subject, 'step commit', () => {
      const { app } = lease;
      checkName('App', app);
      // Validate and encode before the transaction: a bad step writes nothing and holds no lock.
      const writes = this.encodeStep(app, commit);
      writeTransaction(this.db, () => {
        const current = this.sql.getLease.get(app);
        if (
          !current ||
          current.holder !== lease.holder ||
          current.token !== lease.token ||
          current.expires_at <= this.opts.clock.now()
        ) {
          throw new LeaseLostError(
            `${subject} lease lost: token ${lease.token} of holder ${lease.holder} is no longer current; nothing was written`,
          );
        }
        for (const write of writes) write();
        if (commit.consumedRequestAt !== undefined)
          this.sql.consumeRequest.run(app, commit.consumedRequestAt);
      });
    });
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  recordDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<boolean> {
    return this.call(`Delivery/${deliveryId}`, 'record', () => {
      checkName('Delivery', deliveryId);
      return writeTransaction(this.db, () => {
        // An expired record counts as absent (a redelivery after the window is new work again);
        // removing them here also keeps the table from growing with every push.
        this.sql.purgeDeliveries.run(now);
        return this.sql.insertDelivery.run(deliveryId, now + ttlSeconds * 1000).changes === 1;
      });
    });
  }

  forgetDelivery(deliveryId: string): Promise<void> {
    return this.call(`Delivery/${deliveryId}`, 'forget', () => {
      checkName('Delivery', deliveryId);
      writeTransaction(this.db, () => this.sql.deleteDelivery.run(deliveryId));
    });
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Runs one store operation; SQLite errors are wrapped with the subject first, ours pass through. */
  private async call<T>(subject: string, action: string, fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (err) {
      throw wrap(subject, action, err);
    }
  }

  private putDefinition(table: DefinitionTable, kind: string, value: { name: string }): Promise<void> {
    return this.call(`${kind}/${value.name}`, 'put', () => {
      checkName(kind, value.name);
      const doc = encode(`${kind}/${value.name}`, value);
      writeTransaction(this.db, () => this.sql[table].put.run(value.name, doc));
    });
  }

  private getDefinition<T>(table: DefinitionTable, kind: string, name: string): Promise<T | undefined> {
    return this.call(`${kind}/${name}`, 'read', () => {
      const row = this.sql[table].get.get(name);
      return row ? decode<T>(`${kind}/${name}`, row.doc) : undefined;
    });
  }

  private listDefinitions<T>(table: DefinitionTable, kind: string): Promise<T[]> {
    return this.call(`The ${table} list`, 'read', () =>
      this.sql[table].list.all().map((row) => decode<T>(`${kind}/${row.name}`, row.doc)),
    );
  }

  private readPart<T>(app: string, part: StatePart): Promise<T | undefined> {
    return this.call(`App/${app}`, `${part} read`, () => {
      const doc = this.sql[part].get.get(app)?.doc;
      return doc == null ? undefined : decode<T>(`App/${app} ${part}`, doc);
    });
  }

  /** The statements a step runs once its lease is confirmed, validated and encoded up front. */
  private encodeStep(app: string, commit: StepCommit): (() => void)[] {
    const subject = `App/${app}`;
    const writes: (() => void)[] = [];
    if (commit.status !== undefined) {
      if (commit.status.app !== app) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} step commit carries the status of app ${commit.status.app}`,
        );
      }
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
      if (run.app !== app) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} step commit carries run ${run.id} of app ${run.app}`,
        );
      }
      if (!Number.isSafeInteger(run.id) || run.id < 0) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} run id ${run.id} is not a non-negative integer`,
        );
      }
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
      // Newest wins: an older request arriving late never replaces a newer one.
      `INSERT INTO sync_requests (app, requested_at, doc) VALUES (?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET requested_at = excluded.requested_at, doc = excluded.doc
       WHERE excluded.requested_at >= sync_requests.requested_at`,
    ),
    getRequest: db.prepare<[string], { doc: string }>('SELECT doc FROM sync_requests WHERE app = ?'),
    consumeRequest: db.prepare<[string, number]>(
      'DELETE FROM sync_requests WHERE app = ? AND requested_at <= ?',
    ),
    getLease: db.prepare<[string], LeaseRow>('SELECT holder, token, expires_at FROM leases WHERE app = ?'),
    putLease: db.prepare<[string, string, number, number]>(
      `INSERT INTO leases (app, holder, token, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
    ),
    releaseLease: db.prepare<[string, string, number]>(
      'UPDATE leases SET expires_at = 0 WHERE app = ? AND holder = ? AND token = ?',
    ),
    releaseAllLeases: db.prepare('UPDATE leases SET expires_at = 0 WHERE expires_at > 0'),
    deleteAppRows: ['apps', 'app_states', 'sync_runs', 'sync_requests', 'leases', 'run_counters'].map(
      (table) => db.prepare<[string]>(`DELETE FROM ${table} WHERE ${table === 'apps' ? 'name' : 'app'} = ?`),
    ),
    purgeDeliveries: db.prepare<[number]>('DELETE FROM webhook_deliveries WHERE expires_at <= ?'),
    deleteDelivery: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE id = ?'),
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
    throw new StateStoreError('state:corrupt', `${subject} is unreadable: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

function wrap(subject: string, action: string, err: unknown): Error {
  if (err instanceof GitferryError || err instanceof LeaseLostError) return err;
  return new StateStoreError('state:request-failed', `${subject} ${action} failed: ${messageOf(err)}`, {
    cause: err,
  });
}
