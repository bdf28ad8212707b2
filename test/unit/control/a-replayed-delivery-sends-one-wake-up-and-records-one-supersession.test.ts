import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { createWebhookEndpoint } from '../../../functions/webhook/webhook-endpoint.js';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A captured push delivery replayed (by GitHub's redelivery button or by whoever captured it), and
// its wake-up redelivered by the queue: one wake-up, and at most one superseded record.
const secret = 'replay-webhook-secret';
const repo = 'https://git.example.com/acme/shop.git';
const head = 'b'.repeat(40);
const older = 'a'.repeat(40);
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;
const sent: SyncJob[] = [];
const queue = { send: async (job: SyncJob) => void sent.push(job) };

function app(name: string, source: App['sources'][number]): App {
  return {
    name,
    project: 'default',
    sources: [source],
    destination: { name: 'prod', namespace: name },
    syncPolicy: { automated: { prune: true } },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  };
}

function delivery(id: string, sha: string) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    repository: { clone_url: repo },
    commits: [],
    head_commit: { id: sha },
  });
  return {
    headers: {
      'x-github-event': 'push',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-replay-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db);
  sent.length = 0;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a replayed delivery', () => {
  test('the same delivery 5 times sends 1 wake-up, and the 4 replays are answered as duplicates', async () => {
    await store.putApp(app('shop', { repoURL: repo, path: 'deploy', targetRevision: 'main' }));
    const endpoint = createWebhookEndpoint({
      store,
      queue,
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: Date.now,
      deadlineMs: 5_000,
    });

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await endpoint(delivery('d-replayed', older)));

    expect(answers.map((a) => a.statusCode)).toEqual([202, 200, 200, 200, 200]);
    expect(answers.slice(1).map((a) => JSON.parse(a.body) as unknown)).toEqual(
      Array(4).fill({ enqueued: [], duplicate: true, revision: older }),
    );
    expect(sent.map((j) => [j.app, j.reason, j.revision])).toEqual([['shop', 'webhook', older]]);
  });

  test('a delivery whose wake-ups could not be sent is new work when it is delivered again', async () => {
    await store.putApp(app('shop', { repoURL: repo, path: 'deploy', targetRevision: 'main' }));
    let queueDown = true;
    const endpoint = createWebhookEndpoint({
      store,
      queue: {
        send: async (job) => {
          if (queueDown) throw new Error('queue unavailable');
          sent.push(job);
        },
      },
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: Date.now,
      deadlineMs: 5_000,
    });

    expect((await endpoint(delivery('d-retry', head))).statusCode).toBe(503);
    queueDown = false;
    expect((await endpoint(delivery('d-retry', head))).statusCode).toBe(202);
    expect((await endpoint(delivery('d-retry', head))).statusCode).toBe(200);
    expect(sent.map((j) => j.revision)).toEqual([head]);
  });

  test('its wake-up handled 5 times, and the same revision pushed again, records one supersession', async () => {
    // A chart source resolves to its targetRevision without reaching any server: `head` is deployed.
    const name = 'charts';
    await store.putApp(
      app(name, { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: head }),
    );
    await store.putCluster({
      name: 'prod',
      type: 'kubeconfig',
      server: 'https://prod.example.com',
      tokenSecret: 't',
    });
    const setup = (await store.acquireLease(name, 'setup', 60_000, Date.now()))!;
    await store.commitStep(setup, {
      status: {
        app: name,
        sync: { status: 'Synced', revision: head },
        health: { status: 'Healthy' },
        resources: [],
      },
    });
    await store.releaseLease(setup);
    const controller = new WakeUpHandler({
      store,
      queue,
      connector: { connect: async () => Promise.reject(new Error('no cluster is reached on this path')) },
      renderer: {} as never,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'worker-1',
    });
    const requestedAt = Date.now();
    const job: SyncJob = {
      app: name,
      reason: 'webhook',
      revision: older,
      deliveryId: 'd-replayed',
      requestedAt,
    };

    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      // Another delivery of the same SHA asks again between some of the wake-ups.
      if (i % 2 === 0)
        await store.requestSync(name, { reason: 'webhook', revision: older, requestedAt: requestedAt + i });
      outcomes.push(await controller.handle(job));
    }

    expect(outcomes).toEqual(Array(5).fill('superseded'));
    const runs = await store.listRuns(name, 100);
    expect(runs.map((r) => [r.revision, r.superseded])).toEqual([[older, true]]);
    expect(await store.getSyncRequest(name)).toBeUndefined();
    expect(sent).toEqual([]);
  });
});
