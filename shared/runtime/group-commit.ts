// Group commit for the webhook intake of `gitferry serve`. Its store and queue write with
// synchronous = FULL: every commit syncs the write-ahead log to disk, a few ms each (6 ms on a busy
// shared machine), and better-sqlite3 does it on the event loop. A push took five such commits
// (claim, request, wake-up, confirm, audit), so intake stalled near 1000 / (5 × 6) ≈ 33 deliveries
// per second, the rate measured. Here the intake's commits skip their own sync, and its answer
// waits for one fsync of the log, done off the event loop and shared by every push that
// committed before it began: an accepted webhook is still on disk before its 202 (the guarantee
// synchronous = FULL gave it), at one sync per batch instead of five per push. Everything else
// (the worker's steps) keeps syncing each commit.
import { open, type FileHandle } from 'node:fs/promises';
import type { SqliteDatabase } from '../adapters/local/sqlite-database.js';

export interface IntakeDurability {
  /** `target` whose calls run their synchronous writes without syncing each commit. */
  wrap<T extends object>(target: T): T;
  /** Resolves once every commit made so far is on disk. */
  flush(): Promise<void>;
  /** Closes the log's file handle (before the database closes). */
  close(): Promise<void>;
}

export function sqliteGroupCommit(db: SqliteDatabase): IntakeDurability {
  const relaxed = <T>(f: () => T): T => {
    const mode = db.pragma('synchronous', { simple: true }) as number;
    db.pragma('synchronous = NORMAL');
    try {
      // better-sqlite3 is synchronous: the adapters' writes run inside this call, before any await.
      return f();
    } finally {
      db.pragma(`synchronous = ${mode}`);
    }
  };
  let wal: Promise<FileHandle | undefined> | undefined;
  const syncLog = async () => {
    // The log file stays while the database is open (WAL mode); an in-memory database has none.
    wal ??= db.memory
      ? Promise.resolve(undefined)
      : open(`${db.name}-wal`, 'r').catch((err: NodeJS.ErrnoException) => {
          wal = undefined;
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
    await (await wal)?.sync();
  };
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const flush = (): Promise<void> => {
    if (!running) {
      running = syncLog().finally(() => (running = undefined));
      return running;
    }
    // A sync under way may have begun before the caller's commit: the caller waits for the next.
    queued ??= running.then(
      () => ((queued = undefined), flush()),
      () => ((queued = undefined), flush()),
    );
    return queued;
  };
  return {
    wrap: <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (t, key, receiver) => {
          const value = Reflect.get(t, key, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) =>
            relaxed(() => (value as (...a: unknown[]) => unknown).apply(t, args));
        },
      }),
    flush,
    async close() {
      const handle = await wal?.catch(() => undefined);
      wal = undefined;
      await handle?.close();
    },
  };
}
