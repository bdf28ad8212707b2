import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import { ListedStatuses } from '../../../shared/runtime/listed-statuses.js';

const status = (app: string, sync: 'Synced' | 'OutOfSync', revision: string): AppStatus => ({
  app,
  sync: { status: sync, revision },
  health: { status: 'Healthy' },
  operation: { phase: 'Succeeded', startedAt: '2026-12-04T00:00:00Z', finishedAt: '2026-12-04T00:00:05Z' },
  resources: [
    { ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: app, name: 'big' }, status: sync },
  ],
});

/** The SQLite store, counting its status reads; a read can be held until released. */
class CountingStore extends SqliteStateStore {
  reads = 0;
  hold?: Promise<void>;
  override async getStatus(app: string): Promise<AppStatus | undefined> {
    this.reads++;
    const read = await super.getStatus(app); // read now…
    if (this.hold) await this.hold; // …answered later
    return read;
  }
}

async function setUp() {
  const db = openDatabase(':memory:');
  const raw = new CountingStore(db);
  const listed = new ListedStatuses();
  const store = listed.watch(raw);
  const step = async (app: string, s: AppStatus) => {
    const lease = (await store.acquireLease(app, 'test', 60_000, Date.now()))!;
    await store.commitStep(lease, { status: s });
    await store.releaseLease(lease);
  };
  return { db, raw, listed, store, step };
}

describe('the statuses the app list shows (gitferry serve)', () => {
  test('are read once each, read again after the app’s next step or delete, and hold only the listed fields', async () => {
    const { db, raw, listed, step, store } = await setUp();
    await step('web', status('web', 'Synced', 'a'.repeat(40)));
    await step('api', status('api', 'OutOfSync', 'b'.repeat(40)));

    expect(await listed.get('web')).toEqual({
      sync: 'Synced',
      health: 'Healthy',
      revision: 'a'.repeat(40),
      operation: {
        phase: 'Succeeded',
        startedAt: '2026-12-04T00:00:00Z',
        finishedAt: '2026-12-04T00:00:05Z',
      },
    });
    await listed.get('api');
    await listed.get('web');
    await listed.get('api');
    expect(raw.reads).toBe(2);

    // A step of one app drops what was kept of it, not of the others.
    await step('web', status('web', 'OutOfSync', 'c'.repeat(40)));
    expect(await listed.get('web')).toMatchObject({ sync: 'OutOfSync', revision: 'c'.repeat(40) });
    await listed.get('api');
    expect(raw.reads).toBe(3);

    // A deleted app's status is gone; one never compared is listed Unknown.
    await store.deleteApp('api');
    expect(await listed.get('api')).toEqual({ sync: 'Unknown', health: 'Unknown' });
    expect(await listed.get('new')).toEqual({ sync: 'Unknown', health: 'Unknown' });
    db.close();
  });

  test('a read that overlapped a step of its app is not kept: the next listing shows the step', async () => {
    const { db, raw, listed, step } = await setUp();
    await step('web', status('web', 'Synced', 'a'.repeat(40)));
    let release!: () => void;
    raw.hold = new Promise<void>((r) => (release = r));
    const during = listed.get('web'); // reads the Synced status, answers after the step below
    await new Promise((r) => setTimeout(r, 10));
    raw.hold = undefined;
    await step('web', status('web', 'OutOfSync', 'c'.repeat(40)));
    release();
    expect((await during).sync).toBe('Synced');
    expect((await listed.get('web')).sync).toBe('OutOfSync');
    db.close();
  });
});
