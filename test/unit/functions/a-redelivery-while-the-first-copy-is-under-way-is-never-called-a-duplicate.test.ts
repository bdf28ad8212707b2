// The race the webhook's 503 left open: the first copy of a delivery answers 503 at its deadline
// and its intake goes on; a redelivery arriving meanwhile used to be answered "duplicate" (200), and
// when the first intake then failed and forgot the delivery, nothing had been enqueued and nobody
// would redeliver again. Now a redelivery waits for the first copy's outcome: done is a duplicate,
// forgotten is new work it takes up, still under way is a 503 (redeliver later).
import { createHmac } from 'node:crypto';
import { createWebhookEndpoint } from '../../../functions/webhook/webhook-endpoint.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';

const secret = 'race-secret';
const repo = 'https://git.example.com/acme/shop.git';
const sha = 'c'.repeat(40);
const app: App = {
  name: 'shop',
  project: 'default',
  sources: [{ repoURL: repo, path: 'deploy', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'shop' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

function push(deliveryId: string) {
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
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

/** A queue whose first send waits for the test to let it succeed or fail. */
function gatedQueue() {
  const sent: SyncJob[] = [];
  let open: (ok: boolean) => void = () => {};
  let firstStarted: () => void = () => {};
  const started = new Promise<void>((r) => (firstStarted = r));
  const gate = new Promise<boolean>((r) => (open = r));
  let first = true;
  const queue = {
    async send(job: SyncJob) {
      if (first) {
        first = false;
        firstStarted();
        if (!(await gate)) throw new Error('SQS: the first copy could not send its wake-up');
      }
      sent.push(job);
    },
  };
  return { queue, sent, started, open: (ok: boolean) => open(ok) };
}

async function setup() {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  await store.putApp(app);
  const q = gatedQueue();
  const endpoint = createWebhookEndpoint({
    store,
    queue: q.queue,
    secrets: async () => ({ github: secret }),
    log: silentLogger,
    now: Date.now,
    deadlineMs: 300,
  });
  return { db, store, endpoint, ...q };
}

/** Waits (bounded) until `f` holds: the first intake goes on after its 503, in the background. */
async function until(what: string, f: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 500; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

describe('a redelivery while the first copy of a push is still being taken', () => {
  test('is answered 503, not duplicate; when the first copy then fails, the push is taken up again and wakes the app once', async () => {
    const { db, endpoint, sent, started, open } = await setup();
    const first = await endpoint(push('d-race-1'));
    await started;
    expect(first.statusCode).toBe(503);

    // The first intake is still under way: a redelivery must not be told "duplicate".
    const meanwhile = await endpoint(push('d-race-1'));
    expect(meanwhile.statusCode).toBe(503);

    open(false); // the first copy's wake-up fails after its 503: it forgets the delivery
    // Taken up again: by the waiting copy if it is still within its deadline, else by a redelivery.
    await until('the delivery is done', async () => {
      const again = await endpoint(push('d-race-1'));
      return (
        again.statusCode === 202 || (again.statusCode === 200 && JSON.parse(again.body).duplicate === true)
      );
    });
    expect(sent.map((j) => [j.app, j.revision, j.deliveryId])).toEqual([['shop', sha, 'd-race-1']]);
    db.close();
  });

  test('a first copy that fails after its 503 with nobody waiting leaves the push new work for the next redelivery', async () => {
    const { db, store, endpoint, sent, started, open } = await setup();
    const first = await endpoint(push('d-race-3'));
    await started;
    expect(first.statusCode).toBe(503);
    open(false);
    await until('the failed first copy forgot its claim', async () => {
      const claim = await store.claimDelivery('github:d-race-3', 1, Date.now());
      if (claim === 'new') await store.forgetDelivery('github:d-race-3');
      return claim === 'new';
    });
    const again = await endpoint(push('d-race-3'));
    expect(again.statusCode).toBe(202);
    expect(sent.map((j) => j.deliveryId)).toEqual(['d-race-3']);
    db.close();
  });

  test('waits for a first copy that succeeds after its 503 and is then answered duplicate, sending nothing more', async () => {
    const { db, endpoint, sent, started, open } = await setup();
    const first = await endpoint(push('d-race-2'));
    await started;
    expect(first.statusCode).toBe(503);

    const redelivery = endpoint(push('d-race-2'));
    open(true); // the first copy's wake-up goes out while the redelivery waits
    const answer = await redelivery;
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ duplicate: true, enqueued: [] });
    expect(sent.map((j) => j.deliveryId)).toEqual(['d-race-2']);
    db.close();
  });
});
