import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { defaultStaleOperationMs, runDriftTick } from '../../../shared/control/drift-check.js';
import { saveApp } from '../../../shared/control/requests.js';
import { silentLogger } from '../../../shared/ports/logger.js';

const app = (name: string): App => ({
  name,
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/acme/deploy.git', path: name, targetRevision: 'main' }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: { automated: { prune: true, selfHeal: false } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

describe('apps registered in bulk, their first wake-ups still queued', () => {
  test('a drift tick leaves them alone, and wakes one whose wake-up is older than any sync may last', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStateStore(db);
    await store.putCluster({
      name: 'prod',
      type: 'kubeconfig',
      server: 'https://prod.example.com',
      tokenSecret: 't',
    });
    const sent: SyncJob[] = [];
    let now = Date.parse('2026-12-04T03:00:00Z');
    const queue = { send: async (job: SyncJob) => void sent.push(job) };
    for (const name of ['a', 'b', 'c']) await saveApp({ store, queue, now: () => now }, app(name));
    expect(sent.map((j) => j.app)).toEqual(['a', 'b', 'c']);

    const tick = () =>
      runDriftTick({
        store,
        queue,
        connector: { connect: () => Promise.reject(new Error('no cluster is read for apps never compared')) },
        credentials: async () => undefined,
        clock: { now: () => now },
        log: silentLogger,
        guard: {},
        resolveHead: () => Promise.reject(new Error('no head is read for apps never compared')),
      });
    now += 3 * 60_000;
    expect(await tick()).toMatchObject({ apps: 3, busy: 3, woken: [] });
    expect(sent).toHaveLength(3);

    // Its wake-up lost (or the queue that far behind): the drift check sends another.
    now += defaultStaleOperationMs;
    const late = await tick();
    expect(late.woken.map((w) => [w.app, w.finding])).toEqual([
      ['a', 'never-compared'],
      ['b', 'never-compared'],
      ['c', 'never-compared'],
    ]);
    db.close();
  });

  test('saving an app that exists does not replace a manual sync waiting for it', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStateStore(db);
    const queue = { send: async () => {} };
    await saveApp({ store, queue, now: () => 1_000 }, app('web'));
    await store.requestSync('web', { reason: 'manual', prune: true, requestedAt: 2_000 });
    await saveApp({ store, queue, now: () => 3_000 }, { ...app('web'), annotations: { edited: 'yes' } });
    expect(await store.getSyncRequest('web')).toMatchObject({
      reason: 'manual',
      prune: true,
      requestedAt: 2_000,
    });
    db.close();
  });
});
