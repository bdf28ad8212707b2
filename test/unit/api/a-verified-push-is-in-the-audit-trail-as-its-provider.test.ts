import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { buildAccess } from '../../../shared/runtime/access.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';
import { deliveryId, githubPush, githubRequest, githubSecret } from '../webhooks/requests.js';

test('a verified push is in the audit trail as webhook:github with its delivery id, per app it woke', async () => {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  const access = await buildAccess({ adminToken: 'api-token', store }, silentLogger);
  const app = createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
    token: 'api-token',
    access,
    webhookSecrets: async () => ({ github: githubSecret }),
  });
  const manifest = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'config' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/deploy-config.git', targetRevision: 'main', path: '.' },
      destination: { name: 'prod', namespace: 'config' },
    },
  };
  const created = await app.request('/api/v1/apps', {
    method: 'POST',
    headers: { authorization: 'Bearer api-token', 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
  });
  expect(created.status).toBe(201);

  const delivery = githubRequest(githubPush());
  const res = await app.request('/api/webhook', {
    method: 'POST',
    headers: delivery.headers as Record<string, string>,
    body: delivery.body,
  });
  expect(res.status).toBe(202);
  const [entry] = await store.listAudit({ app: 'config', limit: 1 });
  expect(entry).toMatchObject({
    subject: 'webhook:github',
    method: 'webhook-signature',
    tokenId: deliveryId,
    action: 'push 0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    result: 'allowed',
  });
  db.close();
});
