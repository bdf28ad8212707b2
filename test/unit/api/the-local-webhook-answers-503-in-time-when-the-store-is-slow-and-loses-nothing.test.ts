// gitferry serve's /api/webhook has the Lambda endpoint's deadline: with a store too slow to take
// the push in time it answers 503 (GitHub gives up after 10 s), and the intake goes on. Whatever
// it comes to, nothing accepted is lost: taken later, a redelivery is a duplicate and the wake-up
// is queued once; refused later (the store fails), a redelivery is new work and gets its wake-up.
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { SyncRequest } from '../../../shared/ports/state-store.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';
import { deliveryId, githubPush, githubRequest, githubSecret } from '../webhooks/requests.js';

/** A store whose first requestSync waits for the test to let it succeed or fail. */
class SlowStore extends SqliteStateStore {
  private first = true;
  private opened?: (ok: boolean) => void;
  private readonly gate = new Promise<boolean>((r) => (this.opened = r));
  open(ok: boolean) {
    this.opened!(ok);
  }
  override async requestSync(app: string, request: SyncRequest): Promise<void> {
    if (this.first) {
      this.first = false;
      if (!(await this.gate)) throw new Error(`App/${app} sync request failed: the store timed out`);
    }
    return super.requestSync(app, request);
  }
}

async function setup() {
  const db = openDatabase(':memory:');
  const store = new SlowStore(db);
  const queue = new SqliteJobQueue(db);
  const api = createApiApp({
    store,
    queue,
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
    token: 'api-token',
    webhookSecrets: async () => ({ github: githubSecret }),
    webhookDeadlineMs: 200,
  });
  await store.putApp({
    name: 'config',
    project: 'default',
    sources: [{ repoURL: 'https://github.com/acme/deploy-config.git', targetRevision: 'main', path: '.' }],
    destination: { name: 'prod', namespace: 'config' },
    syncPolicy: {},
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  });
  const deliver = async () => {
    const d = githubRequest(githubPush());
    const res = await api.request('/api/webhook', {
      method: 'POST',
      headers: d.headers as Record<string, string>,
      body: d.body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const queued = async () => (await queue.receive(10, 0)).map((r) => r.job);
  return { db, store, deliver, queued };
}

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

describe('the local webhook route with a slow store', () => {
  test('answers 503 at its deadline; the push is taken later, queued once, and its redelivery is a duplicate', async () => {
    const { db, store, deliver, queued } = await setup();
    const first = await deliver();
    expect(first).toEqual({ status: 503, body: { error: 'not enqueued; please redeliver' } });

    store.open(true);
    const jobs = await until('the late intake queued its wake-up', async () => {
      const j = await queued();
      return j.length ? j : undefined;
    });
    expect(jobs.map((j) => [j.app, j.reason])).toEqual([['config', 'webhook']]);
    const again = await deliver();
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, enqueued: [] } });
    expect(await queued()).toEqual([]);
    db.close();
  });

  test('answers 503 at its deadline; a store that then fails leaves the push new work, woken on redelivery', async () => {
    const { db, store, deliver, queued } = await setup();
    expect((await deliver()).status).toBe(503);

    store.open(false);
    await until('the failed intake let go of the delivery', async () => {
      const key = `github:${deliveryId}`;
      if ((await store.claimDelivery(key, 1, Date.now())) !== 'new') return undefined;
      await store.forgetDelivery(key);
      return true;
    });
    const again = await deliver();
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ enqueued: ['config'], duplicate: false });
    expect((await queued()).map((j) => [j.app, j.reason])).toEqual([['config', 'webhook']]);
    db.close();
  });
});
