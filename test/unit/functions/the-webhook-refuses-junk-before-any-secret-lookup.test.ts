import { createWebhookEndpoint } from '../../../functions/webhook/webhook-endpoint.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';

/** An endpoint whose store, queue and secrets count every call: a cheap refusal makes none. */
function countingEndpoint(originVerify?: string) {
  const calls = { secrets: 0, store: 0, queue: 0 };
  const endpoint = createWebhookEndpoint({
    store: {
      listLinkedApps: async () => (calls.store++, []),
      requestSync: async () => void calls.store++,
      claimDelivery: async () => (calls.store++, 'new' as const),
      confirmDelivery: async () => void calls.store++,
      forgetDelivery: async () => void calls.store++,
    },
    queue: { send: async (_: SyncJob) => void calls.queue++ },
    secrets: async () => (calls.secrets++, { github: 's3cret' }),
    log: silentLogger,
    now: Date.now,
    deadlineMs: 5_000,
    originVerify,
  });
  return { endpoint, calls };
}

const github = { 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': 'sha256=00' };

describe('the webhook endpoint, before any lookup', () => {
  test.each([
    ['a GET', { requestContext: { http: { method: 'GET' } }, headers: github, body: '{}' }, 405],
    ['no provider headers', { headers: { 'content-type': 'application/json' }, body: '{}' }, 400],
    ['both providers', { headers: { ...github, 'x-gitlab-event': 'Push Hook' }, body: '{}' }, 400],
    [
      'a GitHub push without a signature header',
      { headers: { 'x-github-event': 'push', 'x-github-delivery': 'd' }, body: '{}' },
      401,
    ],
    ['a GitLab push without a token', { headers: { 'x-gitlab-event': 'Push Hook' }, body: '{}' }, 401],
    ['a body over the cap', { headers: github, body: 'x'.repeat(5 * 1024 * 1024) }, 413],
  ])('refuses %s without reading a secret or touching the store', async (_name, event, status) => {
    const { endpoint, calls } = countingEndpoint();
    const res = await endpoint(event as never);
    expect(res.statusCode).toBe(status);
    expect(calls).toEqual({ secrets: 0, store: 0, queue: 0 });
  });

  test('behind CloudFront, refuses requests without the origin header or with a wrong one', async () => {
    const { endpoint, calls } = countingEndpoint('origin-value');
    for (const headers of [github, { ...github, 'x-gitferry-origin-verify': 'guess' }]) {
      const res = await endpoint({ headers, body: '{}' });
      expect(res.statusCode).toBe(403);
    }
    expect(calls).toEqual({ secrets: 0, store: 0, queue: 0 });
    // With the header, the request goes on to the signature check (which reads the secret).
    const res = await endpoint({
      headers: { ...github, 'X-Gitferry-Origin-Verify': 'origin-value' },
      body: '{}',
    });
    expect(res.statusCode).toBe(401);
    expect(calls.secrets).toBe(1);
  });

  test('a signed-looking request reaches the secret and fails the signature check there', async () => {
    const { endpoint, calls } = countingEndpoint();
    const res = await endpoint({ headers: github, body: '{}' });
    expect(res.statusCode).toBe(401);
    expect(calls.secrets).toBe(1);
    expect(calls.queue).toBe(0);
  });
});
