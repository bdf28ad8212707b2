import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import { parseAppProject } from '../../../shared/domain/application-manifest.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A push lands during a deny window: the worker records why it waits and chains delayed wake-ups
// (at most 900 s each, as SQS allows) toward the opening; the first wake-up after it starts the
// sync. Time is the Clock port's, moved by the test: nothing sleeps.
const head = 'b'.repeat(40);
const older = 'a'.repeat(40);
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;
let now = Date.parse('2026-12-01T09:10:00Z');
const sent: { job: SyncJob; delaySeconds?: number }[] = [];
const connects: string[] = [];

const app: App = {
  name: 'shop',
  project: 'team',
  // A chart source resolves to its targetRevision without reaching any server.
  sources: [{ repoURL: 'https://charts.example.com', chart: 'web', targetRevision: head }],
  destination: { name: 'prod', namespace: 'shop' },
  syncPolicy: { automated: { prune: true } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-window-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db, { clock: { now: () => now } });
  sent.length = 0;
  connects.length = 0;
  await store.putProject(
    parseAppProject({
      kind: 'AppProject',
      metadata: { name: 'team' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ name: 'prod', namespace: 'shop' }],
        syncWindows: [{ kind: 'deny', schedule: '0 9 * * *', duration: '1h', applications: ['shop'] }],
      },
    }),
  );
  await store.putCluster({
    name: 'prod',
    type: 'kubeconfig',
    server: 'https://prod.example.com',
    tokenSecret: 't',
  });
  await store.putApp(app);
  const setup = (await store.acquireLease(app.name, 'setup', 60_000, now))!;
  await store.commitStep(setup, {
    status: {
      app: app.name,
      sync: { status: 'Synced', revision: older },
      health: { status: 'Healthy' },
      resources: [],
    },
  });
  await store.releaseLease(setup);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function worker() {
  return new WakeUpHandler({
    store,
    queue: { send: async (job, opts) => void sent.push({ job, delaySeconds: opts?.delaySeconds }) },
    connector: {
      connect: async (cluster) => {
        connects.push(cluster.name);
        throw new Error('the sync reached for the cluster');
      },
    },
    renderer: {} as never,
    credentials: async () => undefined,
    clock: { now: () => now },
    log: silentLogger,
    holder: 'worker-1',
  });
}

test('a push in a deny window waits, recorded, and syncs at the first wake-up after it opens', async () => {
  const w = worker();
  now = Date.parse('2026-12-01T09:10:00Z');
  await store.requestSync(app.name, { reason: 'webhook', revision: head, requestedAt: now });
  expect(await w.handle({ app: app.name, reason: 'webhook', revision: head, requestedAt: now })).toBe(
    'window-closed',
  );

  const status = await store.getStatus(app.name);
  expect(status?.sync).toEqual({ status: 'Synced', revision: older });
  expect(status?.conditions).toEqual([
    {
      type: 'SyncWindowClosed',
      message: 'sync window closed until 2026-12-01T10:00:00.000Z: deny window "0 9 * * *" for 1h (UTC)',
      at: '2026-12-01T09:10:00.000Z',
    },
  ]);
  expect(await store.getSyncRequest(app.name)).toBeUndefined();
  expect(connects).toEqual([]);

  // A drift check meanwhile finds the window closed too, but starts no second chain.
  expect(await w.handle({ app: app.name, reason: 'drift', requestedAt: now })).toBe('window-closed');
  expect(sent.length).toBe(1);

  // Follow the chain: 50 minutes to the opening, in delays of at most 900 s.
  const delays: number[] = [];
  let outcome = 'window-closed';
  for (let hops = 0; outcome === 'window-closed' && hops < 10; hops++) {
    const next = sent.shift()!;
    expect(next.job.reason).toBe('poll');
    delays.push(next.delaySeconds!);
    now += next.delaySeconds! * 1000;
    outcome = await w.handle(next.job).catch((err: Error) => err.message);
  }
  expect(delays).toEqual([900, 900, 900, 300]);
  expect(new Date(now).toISOString()).toBe('2026-12-01T10:00:00.000Z');
  // The sync started: it reached for the destination cluster (this test has none to reach).
  expect(connects).toEqual(['prod']);
  expect(outcome).toBe('the sync reached for the cluster');
});

test('an app the window does not select syncs at once', async () => {
  await store.putApp({ ...app, name: 'other' });
  const w = worker();
  now = Date.parse('2026-12-01T09:10:00Z');
  const outcome = await w
    .handle({ app: 'other', reason: 'webhook', revision: head, requestedAt: now })
    .catch((err: Error) => err.message);
  expect(outcome).not.toBe('window-closed');
  expect(connects).toEqual(['prod']);
});
