import { createHmac } from 'node:crypto';
import { createWebhookEndpoint } from '../../../functions/webhook/webhook-endpoint.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';

const secret = 'slow-store-secret';
const repo = 'https://git.example.com/acme/shop.git';
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

function push() {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: 'b'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    repository: { clone_url: repo },
    commits: [],
    head_commit: { id: 'b'.repeat(40) },
  });
  return {
    headers: {
      'x-github-event': 'push',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

describe('the webhook endpoint', () => {
  const sent: SyncJob[] = [];
  const queue = { send: async (job: SyncJob) => void sent.push(job) };
  beforeEach(() => (sent.length = 0));

  test('answers 503 within its deadline when the store hangs, having enqueued nothing', async () => {
    const hanging = new Promise<never>(() => {});
    const endpoint = createWebhookEndpoint({
      store: {
        listLinkedApps: () => hanging,
        requestSync: () => hanging,
        claimDelivery: () => hanging,
        confirmDelivery: () => hanging,
        forgetDelivery: () => hanging,
      },
      queue,
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: Date.now,
      deadlineMs: 300,
    });
    const t = Date.now();
    const res = await endpoint(push());
    expect(Date.now() - t).toBeLessThan(2_000); // GitHub gives up after 10 s
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ error: 'not enqueued; please redeliver' });
    expect(sent).toEqual([]);
  });

  test('answers 503 in time when the secret store hangs', async () => {
    const endpoint = createWebhookEndpoint({
      store: {
        listLinkedApps: async () => [app],
        requestSync: async () => {},
        claimDelivery: async () => 'new' as const,
        confirmDelivery: async () => {},
        forgetDelivery: async () => {},
      },
      queue,
      secrets: () => new Promise(() => {}),
      log: silentLogger,
      now: Date.now,
      deadlineMs: 200,
    });
    expect((await endpoint(push())).statusCode).toBe(503);
    expect(sent).toEqual([]);
  });

  test('answers 202 and enqueues a wake-up when the store answers', async () => {
    const requested: string[] = [];
    const endpoint = createWebhookEndpoint({
      store: {
        listLinkedApps: async () => [app],
        requestSync: async (name) => void requested.push(name),
        claimDelivery: async () => 'new' as const,
        confirmDelivery: async () => {},
        forgetDelivery: async () => {},
      },
      queue,
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: Date.now,
      deadlineMs: 5_000,
    });
    const res = await endpoint(push());
    expect(res.statusCode).toBe(202);
    expect(requested).toEqual(['shop']);
    expect(sent.map((j) => [j.app, j.reason, j.revision])).toEqual([['shop', 'webhook', 'b'.repeat(40)]]);
  });
});
