import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { degradedSettleMs } from '../../../shared/control/app-status.js';
import { recheckClusterHealth } from '../../../shared/control/cluster-health-recheck.js';
import { controlOf, type Control } from '../../../shared/control/deps.js';
import { scheduleHealthRecheck } from '../../../shared/control/health-recheck.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';

// Apps going Progressing on one cluster share the recheck that is due for it: fifty of them send
// one wake-up. The claim that says a recheck is due ends when that recheck starts (apps going
// Progressing from then on schedule the next), or, if its wake-up was lost, after its delay and a
// slack; another cluster has its own; apps not Progressing send none.
let dir: string;
let db: SqliteDatabase;
let c: Control;
let now: number;
let sent: { job: SyncJob; delaySeconds?: number }[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-recheck-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  now = 1_767_225_600_000;
  sent = [];
  c = controlOf({
    store: new SqliteStateStore(db, { clock: { now: () => now } }),
    queue: { send: async (job, o) => void sent.push({ job, delaySeconds: o?.delaySeconds }) },
    connector: { connect: async () => Promise.reject(new Error('not reached')) },
    renderer: {} as never,
    credentials: async () => undefined,
    clock: { now: () => now },
    log: silentLogger,
    holder: 'worker-1',
  });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const progressing = { health: { status: 'Progressing' as const } };
const goProgressing = (app: string, cluster = 'prod') =>
  scheduleHealthRecheck(c, { app }, progressing, cluster);

test('fifty apps going Progressing on one cluster send one recheck of it, in 2 s', async () => {
  for (let i = 0; i < 50; i++) await goProgressing(`app-${i}`);
  expect(sent).toEqual([
    {
      job: { app: 'app-0', reason: 'health', cluster: 'prod', requestedAt: now, hop: 1, chainStartedAt: now },
      delaySeconds: 2,
    },
  ]);
});

test('another cluster has its own recheck, and apps Healthy or long Degraded send none', async () => {
  await goProgressing('a', 'prod');
  await goProgressing('b', 'staging');
  await scheduleHealthRecheck(c, { app: 'c' }, { health: { status: 'Healthy' } }, 'dev');
  await scheduleHealthRecheck(c, { app: 'd' }, { health: { status: 'Degraded' } }, 'dev');
  const syncedAt = (ago: number) => ({
    phase: 'Succeeded' as const,
    startedAt: new Date(now - ago - 1_000).toISOString(),
    finishedAt: new Date(now - ago).toISOString(),
  });
  await scheduleHealthRecheck(
    c,
    { app: 'e' },
    { health: { status: 'Degraded' }, operation: syncedAt(degradedSettleMs) },
    'dev',
  );
  expect(sent.map((s) => s.job.cluster)).toEqual(['prod', 'staging']);
  // Degraded right after a sync may be the cluster's lag (a rollback to a timed-out ReplicaSet).
  await scheduleHealthRecheck(
    c,
    { app: 'f' },
    { health: { status: 'Degraded' }, operation: syncedAt(0) },
    'dev',
  );
  expect(sent.map((s) => s.job.cluster)).toEqual(['prod', 'staging', 'dev']);
});

test('once the due recheck starts, the next app going Progressing schedules the next one', async () => {
  await goProgressing('a');
  now += 2_000;
  // The cluster is not registered here: the recheck ends at once, after giving up the claim.
  await recheckClusterHealth(c, { ...sent[0]!.job, cluster: 'prod' }, async () => 'idle');
  await goProgressing('b');
  await goProgressing('c');
  expect(sent.map((s) => s.job.app)).toEqual(['a', 'b']);
});

test('a recheck whose wake-up was lost holds the cluster for its delay and 30 s more, no longer', async () => {
  await goProgressing('a');
  now += 31_000;
  await goProgressing('b');
  now += 1_000;
  await goProgressing('c');
  expect(sent.map((s) => s.job.app)).toEqual(['a', 'c']);
});

test('a recheck that could not be sent does not hold the cluster', async () => {
  const send = c.queue.send;
  c.queue.send = async () => Promise.reject(new Error('queue down'));
  await expect(goProgressing('a')).rejects.toThrow('queue down');
  c.queue.send = send;
  await goProgressing('b');
  expect(sent.map((s) => s.job.app)).toEqual(['b']);
});

test('a recheck reads the statuses only of apps whose drift views do not say they are settled', async () => {
  const store = c.store;
  await store.putCluster({
    name: 'prod',
    type: 'kubeconfig',
    server: 'https://prod.example.com',
    tokenSecret: 't',
  });
  const step = async (name: string, health: 'Healthy' | 'Progressing', running = false) => {
    await store.putApp({
      name,
      project: 'default',
      sources: [{ repoURL: 'https://git.example.com/a.git', path: name, targetRevision: 'main' }],
      destination: { name: 'prod', namespace: name },
      syncPolicy: {},
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    const lease = (await store.acquireLease(name, 'w', 60_000, now))!;
    await store.commitStep(lease, {
      status: {
        app: name,
        sync: { status: 'Synced', revision: 'a'.repeat(40) },
        health: { status: health },
        ...(running
          ? { operation: { phase: 'Running' as const, startedAt: new Date(now).toISOString() } }
          : {}),
        resources: [],
      },
      inventory: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: name, name: 'c' }],
    });
    await store.releaseLease(lease);
  };
  for (let i = 0; i < 30; i++) await step(`healthy-${i}`, 'Healthy');
  // Progressing while their syncs run: read, then left to their syncs (no cluster is opened).
  await step('syncing-1', 'Progressing', true);
  await step('syncing-2', 'Progressing', true);
  // Stepped before views were kept: read.
  await step('older', 'Healthy');
  db.prepare('DELETE FROM drift_views WHERE app = ?').run('older');

  const read: string[] = [];
  const getStatus = store.getStatus.bind(store);
  store.getStatus = async (name: string) => (read.push(name), getStatus(name));
  const result = await recheckClusterHealth(
    c,
    { app: 'syncing-1', reason: 'health', cluster: 'prod', requestedAt: now },
    async () => 'idle',
  );
  expect(read.sort()).toEqual(['older', 'syncing-1', 'syncing-2']);
  expect(result).toEqual({ progressing: 0, recorded: 0, still: 0, statusReads: 3 });
});
