import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';
import { controlOf } from '../../../shared/control/deps.js';
import { wakeDependantsIfReady } from '../../../shared/control/dependencies.js';

// A chain A → B (B depends on A): a push to B while A is not ready records "waiting for a (…)"
// and sends nothing (no worker waits); when A becomes Synced and Healthy, B is woken and syncs.
const head = 'b'.repeat(40);
const older = 'a'.repeat(40);
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;
const now = Date.parse('2026-12-01T09:10:00Z');
const sent: SyncJob[] = [];
const connects: string[] = [];

const app = (name: string, dependsOn?: string): App => ({
  name,
  project: 'default',
  sources: [{ repoURL: 'https://charts.example.com', chart: name, targetRevision: head }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: { automated: { prune: true } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: dependsOn ? { 'gitferry.dev/depends-on': dependsOn } : {},
});

async function setStatus(name: string, s: Partial<AppStatus>) {
  const lease = (await store.acquireLease(name, 'setup', 60_000, now))!;
  await store.commitStep(lease, {
    status: {
      app: name,
      sync: { status: 'Synced', revision: older },
      health: { status: 'Healthy' },
      resources: [],
      ...s,
    },
  });
  await store.releaseLease(lease);
}

const deps = () => ({
  store,
  queue: { send: async (job: SyncJob) => void sent.push(job) },
  connector: {
    connect: async (cluster: { name: string }) => {
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

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-deps-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db, { clock: { now: () => now } });
  sent.length = 0;
  connects.length = 0;
  await store.putCluster({
    name: 'prod',
    type: 'kubeconfig',
    server: 'https://prod.example.com',
    tokenSecret: 't',
  });
  await store.putApp(app('a'));
  await store.putApp(app('b', 'a'));
  await store.putApp(app('c', 'a'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('B waits while A syncs, recorded in status, and is woken (only B) when A turns Synced and Healthy', async () => {
  const aSyncing: Partial<AppStatus> = {
    sync: { status: 'OutOfSync', revision: older },
    health: { status: 'Progressing' },
    operation: { phase: 'Running', startedAt: '2026-12-01T09:09:00.000Z' },
  };
  await setStatus('a', aSyncing);
  await setStatus('b', {});
  await setStatus('c', {});
  const worker = new WakeUpHandler(deps());

  await store.requestSync('b', { reason: 'webhook', revision: head, requestedAt: now });
  expect(await worker.handle({ app: 'b', reason: 'webhook', revision: head, requestedAt: now })).toBe(
    'waiting',
  );
  const b = await store.getStatus('b');
  expect(b?.sync).toEqual({ status: 'Synced', revision: older });
  expect(b?.conditions).toEqual([
    {
      type: 'DependencyWaiting',
      message: 'waiting for a (its sync is running)',
      at: '2026-12-01T09:10:00.000Z',
    },
  ]);
  expect(await store.getSyncRequest('b')).toBeUndefined();
  expect(sent).toEqual([]);
  expect(connects).toEqual([]);

  // A's sync finishes Synced and Healthy (as its last step writes it): B, which waits, is woken;
  // C, which depends on A too but waits for nothing, is not.
  const before = await store.getStatus('a');
  await setStatus('a', { sync: { status: 'Synced', revision: head } });
  await wakeDependantsIfReady(controlOf(deps()), 'a', before);
  expect(sent.map((j) => [j.app, j.reason])).toEqual([['b', 'poll']]);

  // Already ready before: no second wake-up for a wake-up that changed nothing.
  await wakeDependantsIfReady(controlOf(deps()), 'a', await store.getStatus('a'));
  expect(sent.length).toBe(1);

  // B's wake-up now starts its sync (it reaches for the cluster, which this test does not have).
  const outcome = await worker.handle(sent[0]!).catch((err: Error) => err.message);
  expect(outcome).toBe('the sync reached for the cluster');
  expect(connects).toEqual(['prod']);
});

test('a dependency that does not exist keeps the dependant waiting, named', async () => {
  await store.putApp(app('d', 'ghost'));
  await setStatus('d', {});
  const worker = new WakeUpHandler(deps());
  await store.requestSync('d', { reason: 'webhook', revision: head, requestedAt: now });
  expect(await worker.handle({ app: 'd', reason: 'webhook', revision: head, requestedAt: now })).toBe(
    'waiting',
  );
  expect((await store.getStatus('d'))?.conditions?.[0]?.message).toBe(
    'waiting for ghost (it does not exist)',
  );
});
