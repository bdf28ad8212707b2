import {
  openDatabase,
  sqliteMigrations,
  SqliteStoreError,
} from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { tempDatabase, type TempDatabase } from './local-bed.js';

describe('openDatabase', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a new file is in WAL mode with a busy timeout and the newest schema', () => {
    const db = openDatabase(bed.file, { busyTimeoutMs: 1_234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1_234);
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
    } finally {
      db.close();
    }
  });

  test('the store and the queue share one file, and reopening it keeps the data', async () => {
    const first = bed.open();
    await new SqliteStateStore(first).putApp({
      name: 'web',
      project: 'default',
      sources: [{ repoURL: 'https://git.example.com/web.git', targetRevision: 'main' }],
      destination: { name: 'prod', namespace: 'web' },
      syncPolicy: {},
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    await new SqliteJobQueue(first).send({ app: 'web', reason: 'manual', requestedAt: 1 });
    first.close();

    const again = bed.open();
    expect((await new SqliteStateStore(again).listApps()).map((a) => a.name)).toEqual(['web']);
    expect((await new SqliteJobQueue(again).receive(10, 0)).map((r) => r.job.app)).toEqual(['web']);
  });

  test('a file from a newer Gitferry is refused naming it and the versions', () => {
    const db = bed.open();
    db.pragma(`user_version = ${sqliteMigrations.length + 1}`);
    db.close();

    expect(() => openDatabase(bed.file)).toThrow(SqliteStoreError);
    expect(() => openDatabase(bed.file)).toThrow(
      `Database ${bed.file} has schema version ${sqliteMigrations.length + 1}, newer than this build's ${sqliteMigrations.length}: upgrade Gitferry`,
    );
  });

  test('a path that cannot be opened is refused naming it', () => {
    const missing = `${bed.dir}/no/such/dir/gitferry.db`;
    expect(() => openDatabase(missing)).toThrow(new RegExp(`^Database ${missing} cannot be opened: `));
  });
});
