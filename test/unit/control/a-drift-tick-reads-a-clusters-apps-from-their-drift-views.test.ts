import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import { runDriftTick } from '../../../shared/control/drift-check.js';
import { renderKeyOf } from '../../../shared/control/desired-state.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { StateStore } from '../../../shared/ports/state-store.js';

const head = 'a'.repeat(40);
const app = (name: string, cluster = 'prod'): App => ({
  name,
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/acme/deploy.git', path: name, targetRevision: 'main' }],
  destination: { name: cluster, namespace: name },
  syncPolicy: { automated: { prune: true, selfHeal: true } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});
const synced = (a: App, revision = head): AppStatus => ({
  app: a.name,
  sync: { status: 'Synced', revision, renderKey: renderKeyOf(a, revision) },
  health: { status: 'Healthy' },
  resources: [],
});
const inventory = (name: string) => [
  { group: '', version: 'v1', kind: 'ConfigMap', namespace: name, name: 'config', fingerprint: 'p.o' },
];

/** The store, counting the per-app reads a pass makes of it. */
function counted(store: StateStore) {
  const reads = { getStatus: [] as string[], getInventory: [] as string[] };
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'getStatus' || key === 'getInventory')
        return (name: string) => {
          reads[key].push(name);
          return (value as (n: string) => unknown).call(target, name);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, reads };
}

/** A store on a fresh in-memory database, with the cluster `prod` registered. */
async function storeWithCluster() {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  await store.putCluster({
    name: 'prod',
    type: 'kubeconfig',
    server: 'https://prod.example.com',
    tokenSecret: 't',
  });
  return { db, store };
}

/** One tick, its heads all at `head`; the cluster is not reachable from here: compared apps go to the worker. */
const tickOver = (store: StateStore, send: (app: string) => void = () => {}) =>
  runDriftTick({
    store,
    queue: { send: async (job) => void send(job.app) },
    connector: { connect: () => Promise.reject(new Error('unreachable')) },
    credentials: async () => undefined,
    clock: { now: () => Date.now() },
    log: silentLogger,
    guard: {},
    resolveHead: async () => head,
  });

describe("a drift tick over a cluster's apps", () => {
  test("reads their drift views in one query, and an app's own status or inventory only where its view lacks it", async () => {
    const { db, store: sqlite } = await storeWithCluster();
    const apps = ['a', 'b', 'c', 'moved'].map((n) => app(n));
    for (const a of apps) {
      await sqlite.putApp(a);
      const lease = (await sqlite.acquireLease(a.name, 'worker', 60_000, Date.now()))!;
      await sqlite.commitStep(lease, { status: synced(a), inventory: inventory(a.name) });
      await sqlite.releaseLease(lease);
    }
    // b was last stepped before views were kept; `moved` was moved to this cluster after its last step.
    db.prepare('DELETE FROM drift_views WHERE app = ?').run('b');
    await sqlite.putApp(app('moved', 'staging'));
    const moving = (await sqlite.acquireLease('moved', 'worker', 60_000, Date.now()))!;
    await sqlite.commitStep(moving, { inventory: inventory('moved') });
    await sqlite.releaseLease(moving);
    await sqlite.putApp(app('moved', 'prod'));

    const { store, reads } = counted(sqlite);
    const sent: string[] = [];
    const tick = await tickOver(store, (app) => sent.push(app));

    expect(tick.storeReads).toEqual({ views: 1, statuses: 1, inventories: 2 });
    expect({ getStatus: reads.getStatus, getInventory: reads.getInventory.sort() }).toEqual({
      getStatus: ['b'],
      getInventory: ['b', 'moved'],
    });
    expect(tick.woken.map((w) => [w.app, w.finding]).sort()).toEqual([
      ['a', 'cannot-check'],
      ['b', 'cannot-check'],
      ['c', 'cannot-check'],
      ['moved', 'cannot-check'],
    ]);
    expect(sent.sort()).toEqual(['a', 'b', 'c', 'moved']);
    db.close();
  });

  test('acts on what the view says: an app whose view shows another revision is woken for it, the rest are compared', async () => {
    const { db, store } = await storeWithCluster();
    for (const [name, revision] of [
      ['current', head],
      ['behind', 'b'.repeat(40)],
    ] as const) {
      const a = app(name);
      await store.putApp(a);
      const lease = (await store.acquireLease(name, 'worker', 60_000, Date.now()))!;
      await store.commitStep(lease, { status: synced(a, revision), inventory: inventory(name) });
    }
    const tick = await tickOver(store);
    expect(tick.woken.map((w) => [w.app, w.finding]).sort()).toEqual([
      ['behind', 'new-revision'],
      ['current', 'cannot-check'],
    ]);
    expect(tick.storeReads).toEqual({ views: 1, statuses: 0, inventories: 0 });
    db.close();
  });
});
