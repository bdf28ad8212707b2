import { StateStoreError } from '../../../../shared/ports/state-store.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import type { AppStatus, SyncRun } from '../../../../shared/domain/status.js';
import { rejectionOf, tempDatabase, type TempDatabase } from './local-bed.js';

const status = (app: string): AppStatus => ({
  app,
  sync: { status: 'Synced' },
  health: { status: 'Healthy' },
  resources: [],
});
const run = (app: string, id: number): SyncRun => ({
  app,
  id,
  revision: 'a'.repeat(40),
  reason: 'manual',
  phase: 'Succeeded',
  startedAt: '2026-03-01T10:00:00.000Z',
  results: [],
});

describe('SqliteStateStore errors', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a step carrying another app’s status or run is refused as invalid and writes nothing', async () => {
    const store = new SqliteStateStore(bed.open());
    const lease = (await store.acquireLease('web', 'w', 60_000, Date.now()))!;

    const wrongStatus = await rejectionOf(store.commitStep(lease, { inventory: [], status: status('api') }));
    expect(wrongStatus).toBeInstanceOf(StateStoreError);
    expect(wrongStatus.code).toBe('state:invalid');
    expect(wrongStatus.message).toBe('App/web step commit carries the status of app api');

    const wrongRun = await rejectionOf(
      store.commitStep(lease, { status: status('web'), run: run('api', 1) }),
    );
    expect(wrongRun.message).toBe('App/web step commit carries run 1 of app api');
    const badId = await rejectionOf(store.commitStep(lease, { run: run('web', 1.5) }));
    expect(badId.message).toBe('App/web run id 1.5 is not an integer from 0 to 9999999999');

    expect(await store.getStatus('web')).toBeUndefined();
    expect(await store.getInventory('web')).toEqual([]);
    expect(await store.listRuns('web', 10)).toEqual([]);
  });

  test('an empty app name is refused naming the kind', async () => {
    const store = new SqliteStateStore(bed.open());
    const err = await rejectionOf(store.nextRunId(''));

    expect(err.code).toBe('state:invalid');
    expect(err.message).toBe('App name must be a non-empty string, got ""');
  });

  test('a failure of SQLite itself names the app and the action and keeps the cause', async () => {
    const db = bed.open();
    const store = new SqliteStateStore(db);
    db.close();
    const err = await rejectionOf(store.getStatus('web'));

    expect(err).toBeInstanceOf(StateStoreError);
    expect(err.code).toBe('state:request-failed');
    expect(err.message).toMatch(
      /^App\/web status read failed: TypeError: The database connection is not open/,
    );
    // better-sqlite3's errors come from outside jest's realm: compare by shape, not instanceof.
    expect(err.cause).toMatchObject({ name: 'TypeError', message: 'The database connection is not open' });
  });

  test('a stored document that is not JSON reads as corrupt, naming what it is', async () => {
    const db = bed.open();
    const store = new SqliteStateStore(db);
    db.prepare("INSERT INTO app_states (app, inventory) VALUES ('web', '[{broken')").run();
    const err = await rejectionOf(store.getInventory('web'));

    expect(err.code).toBe('state:corrupt');
    expect(err.message).toMatch(/^App\/web inventory is unreadable: SyntaxError/);
  });
});
