/**
 * The local mode's one SQLite file, shared by SqliteStateStore and SqliteJobQueue (one file holds
 * both, so `gitferry serve` keeps everything in `<data dir>/gitferry.db`).
 *
 * - WAL: readers never block the writer and the writer never blocks readers, so the API can read
 *   while a worker commits, in this process or another one on the same file.
 * - busy_timeout: a write waiting for another connection's write lock retries for this long
 *   instead of failing with SQLITE_BUSY at once. better-sqlite3 is synchronous, so the wait blocks
 *   this process's event loop; writes are short (one transaction per call), so waits are too.
 * - Writes run in IMMEDIATE transactions (`writeTransaction`): they take the write lock when they
 *   begin. A deferred transaction that reads first and then writes cannot wait for the lock in WAL
 *   mode (its snapshot may be stale) and fails with SQLITE_BUSY regardless of busy_timeout.
 * - synchronous = FULL by default: a commit is on disk before the call returns, so an accepted
 *   webhook survives a power cut, not only a crash of the process (NORMAL would survive only that).
 *   Bookkeeping of who works on what (leases, queue claims and acks, run counters) commits with
 *   NORMAL (`writeTransaction(…, 'bookkeeping')`): it survives a crash of the process, and a power
 *   cut loses at most the bookkeeping since the last FULL commit — the WAL is one file, synced whole,
 *   so a FULL commit makes every earlier commit durable with it. What is lost that way is redone:
 *   a claim or an ack lost lets the message be received again, a lease lost is free, which is what
 *   it becomes anyway when its holder is gone. Anything accepted from outside or done to a
 *   cluster (deliveries, definitions, requests, sent messages, step results) stays FULL.
 * - Migrations are numbered by `PRAGMA user_version` and run in one IMMEDIATE transaction, so two
 *   processes opening a new file at once migrate it once.
 */
import Database from 'better-sqlite3';
import { GitferryError } from '../../domain/errors.js';

export type SqliteDatabase = Database.Database;

/** A local store or queue operation failed; the message starts with what it concerns. */
export class SqliteStoreError extends GitferryError {
  override name = 'SqliteStoreError';
}

export interface SqliteDatabaseOptions {
  /** How long a write waits for another connection's write lock, in ms. Default 5,000. */
  busyTimeoutMs: number;
  /** `FULL` (default): every commit is synced to disk. `NORMAL`: survives a process crash only, faster. */
  synchronous: 'FULL' | 'NORMAL';
}

export const defaultSqliteDatabaseOptions: SqliteDatabaseOptions = {
  busyTimeoutMs: 5_000,
  synchronous: 'FULL',
};

/**
 * The schema, one entry per version (`user_version` = how many have run). Append, never edit: a
 * file migrated by an older build only runs the entries after its version.
 *
 * Documents (definitions, status, operation, inventory, runs, requests) are JSON text. Tables are
 * STRICT, so a wrong type is an error instead of a silently converted value.
 */
export const sqliteMigrations: readonly string[] = [
  // 1: the state store.
  `
  CREATE TABLE apps (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  CREATE TABLE projects (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  CREATE TABLE clusters (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  -- One row per app; a NULL column is a part never written (or, for operation, cleared).
  CREATE TABLE app_states (
    app TEXT PRIMARY KEY,
    status TEXT,
    operation TEXT,
    inventory TEXT
  ) STRICT;
  CREATE TABLE sync_runs (
    app TEXT NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (app, id)
  ) STRICT;
  CREATE TABLE sync_requests (
    app TEXT PRIMARY KEY,
    requested_at INTEGER NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE TABLE leases (
    app TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE run_counters (app TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  -- Named counters that never go back, even when the rows they numbered are deleted.
  CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT;
  CREATE INDEX webhook_deliveries_by_expiry ON webhook_deliveries (expires_at);
  `,
  // 2: the job queue.
  `
  CREATE TABLE job_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
  ) STRICT;
  CREATE INDEX job_messages_by_visibility ON job_messages (visible_at, id);
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_at INTEGER NOT NULL,
    reason TEXT NOT NULL
  ) STRICT;
  `,
  // 3: access control: project tokens (hashed) and the audit trail.
  `
  CREATE TABLE project_tokens (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  CREATE TABLE audit_entries (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  `,
  // 4: revoked sessions (sign-out, an admin's revoke-sessions), kept until they expire.
  `
  CREATE TABLE session_revocations (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  `,
  // 5: the app links index (domain/app-links.ts): children, dependants and next stages by name.
  // Filled by SqliteStateStore from the apps already stored (the links are computed in code).
  `
  CREATE TABLE app_links (
    link TEXT NOT NULL,
    target TEXT NOT NULL,
    app TEXT NOT NULL,
    PRIMARY KEY (link, target, app)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX app_links_by_app ON app_links (app);
  `,
  // 6: a claimed delivery is pending (its wake-ups not all sent) until pending_until; NULL = done.
  // Expiring records are purged as their kind is written: by index, not by reading every row's
  // JSON (an audit entry per push made each push slower than the one before).
  `
  ALTER TABLE webhook_deliveries ADD COLUMN pending_until INTEGER;
  CREATE INDEX audit_entries_by_expiry ON audit_entries (json_extract(doc, '$.expiresAt'));
  CREATE INDEX session_revocations_by_expiry ON session_revocations (json_extract(doc, '$.expiresAt'));
  `,
  // 7: what the workers last saw of each cluster's API server (its connection state).
  `
  CREATE TABLE cluster_states (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  `,
  // 8: fair delivery: each wake-up's tenant (its app's cluster), the oldest visible message per
  // tenant by index, and the messages in flight (received, not deleted, still hidden) per tenant.
  // Messages queued before this version share the tenant ''.
  `
  ALTER TABLE job_messages ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
  CREATE INDEX job_messages_by_group ON job_messages (group_key, visible_at, id);
  CREATE INDEX job_messages_in_flight ON job_messages (group_key, visible_at) WHERE receipt IS NOT NULL;
  `,
  // 9: drift views (domain/drift-view.ts): per app, the compared fields of its status and where each
  // half of its view is filed (the app's destination when the step wrote it); the inventory half
  // is the app's inventory itself. A drift pass reads a cluster's apps in one query.
  `
  CREATE TABLE drift_views (
    app TEXT PRIMARY KEY,
    status_destination TEXT,
    status TEXT,
    inventory_destination TEXT
  ) STRICT;
  CREATE INDEX drift_views_by_status_destination ON drift_views (status_destination);
  CREATE INDEX drift_views_by_inventory_destination ON drift_views (inventory_destination);
  `,
];

/**
 * Opens (creating if needed) the SQLite file at `file` with WAL, busy_timeout and the schema
 * migrated to the newest version. `:memory:` gives a private in-memory database (tests).
 */
export function openDatabase(file: string, opts: Partial<SqliteDatabaseOptions> = {}): SqliteDatabase {
  const { busyTimeoutMs, synchronous } = { ...defaultSqliteDatabaseOptions, ...opts };
  let db: SqliteDatabase;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new SqliteStoreError('sqlite:open-failed', `Database ${file} cannot be opened: ${messageOf(err)}`, {
      cause: err,
    });
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && !db.memory) {
      // SQLite keeps the old mode where WAL is impossible (network file systems without shared memory).
      throw new SqliteStoreError(
        'sqlite:open-failed',
        `Database ${file} cannot use write-ahead logging (journal mode stayed ${String(mode)}); put it on a local file system`,
      );
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof GitferryError) throw err;
    throw new SqliteStoreError('sqlite:open-failed', `Database ${file} cannot be opened: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

/** Brings the schema to the newest version; refuses a file written by a newer Gitferry. */
export function migrate(db: SqliteDatabase, what = db.name): void {
  writeTransaction(db, () => {
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version > sqliteMigrations.length) {
      throw new SqliteStoreError(
        'sqlite:schema-newer',
        `Database ${what} has schema version ${version}, newer than this build's ${sqliteMigrations.length}: upgrade Gitferry`,
      );
    }
    for (const sql of sqliteMigrations.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${sqliteMigrations.length}`);
  });
}

/** Runs `fn` in an IMMEDIATE transaction (write lock taken at BEGIN; see the header comment). */
export function writeTransaction<T>(
  db: SqliteDatabase,
  fn: () => T,
  kind: 'record' | 'bookkeeping' = 'record',
): T {
  // The level is read at commit; this process runs nothing else on the connection meanwhile. A
  // connection at NORMAL already (a group commit's wrapped call) stays as it is.
  if (kind === 'record' || db.pragma('synchronous', { simple: true }) !== fullSynchronous)
    return db.transaction(fn).immediate();
  db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/** PRAGMA synchronous's answer for FULL. */
const fullSynchronous = 2;

export function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
