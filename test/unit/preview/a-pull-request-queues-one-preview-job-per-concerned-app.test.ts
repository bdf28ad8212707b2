import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebhookEndpoint } from '../../../functions/webhook/webhook-endpoint.js';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { parsePreviewSettings } from '../../../shared/preview/config.js';

// The webhook's side of a preview: a verified pull_request is queued (never rendered in the
// webhook), one job per app on the PR's repository and base branch, once per delivery.
const secret = 'preview-webhook-secret';
const repoURL = 'https://github.com/acme/shop.git';
const sha = 'f'.repeat(40);
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;
const sent: SyncJob[] = [];

const app = (name: string, source: App['sources'][number]): App => ({
  name,
  project: 'default',
  sources: [source],
  destination: { name: 'prod', namespace: name },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

function delivery(id: string, base = 'main') {
  const body = JSON.stringify({
    action: 'opened',
    pull_request: {
      number: 12,
      head: { sha, ref: 'feature', repo: { full_name: 'acme/shop' } },
      base: { ref: base, repo: { full_name: 'Acme/Shop', clone_url: 'https://github.com/Acme/Shop' } },
    },
  });
  return {
    headers: {
      'x-github-event': 'pull_request',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-preview-intake-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db);
  sent.length = 0;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a pull request queues one preview job per concerned app', () => {
  test('apps on the base repository and branch (or HEAD) get a job; others and replays none', async () => {
    await store.putApp(app('web', { repoURL, path: 'web', targetRevision: 'main' }));
    await store.putApp(app('api', { repoURL: 'https://github.com/acme/shop', path: 'api' }));
    await store.putApp(app('staging', { repoURL, path: 'web', targetRevision: 'staging' }));
    await store.putApp(app('other', { repoURL: 'https://github.com/acme/other.git', path: '.' }));
    const endpoint = createWebhookEndpoint({
      store,
      queue: { send: async (job) => void sent.push(job) },
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: () => 1_000,
      deadlineMs: 5_000,
    });
    const first = await endpoint(delivery('pr-1'));
    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body)).toEqual({
      enqueued: ['api', 'web'],
      duplicate: false,
      revision: sha,
      preview: true,
    });
    expect((await endpoint(delivery('pr-1'))).statusCode).toBe(200);
    expect(sent.map((j) => [j.app, j.reason])).toEqual([
      ['api', 'preview'],
      ['web', 'preview'],
    ]);
    expect(sent[0]).toEqual({
      app: 'api',
      reason: 'preview',
      deliveryId: 'pr-1',
      requestedAt: 1_000,
      // Its cluster's share of the queue, as every wake-up for an app's cluster.
      group: 'name:prod',
      preview: {
        provider: 'github',
        repoUrls: ['https://github.com/Acme/Shop'],
        repo: 'Acme/Shop',
        number: 12,
        headSha: sha,
        headRef: 'feature',
        baseRef: 'main',
        fork: false,
      },
    });
    // The app state is untouched: no sync is requested by a preview.
    expect(await store.getSyncRequest('web')).toBeUndefined();
  });

  test('a copy that arrives while the first copy is sending waits for it, and takes over when the first fails', async () => {
    await store.putApp(app('web', { repoURL, path: 'web', targetRevision: 'main' }));
    let failNext = true;
    const endpoint = createWebhookEndpoint({
      store,
      queue: {
        send: async (job) => {
          await new Promise((r) => setTimeout(r, 50));
          if (failNext) {
            failNext = false;
            throw new Error('queue unavailable');
          }
          sent.push(job);
        },
      },
      secrets: async () => ({ github: secret }),
      log: silentLogger,
      now: () => 1_000,
      deadlineMs: 5_000,
    });
    const first = endpoint(delivery('pr-2'));
    await new Promise((r) => setTimeout(r, 10));
    const copy = endpoint(delivery('pr-2'));
    // The first copy is answered "redeliver"; the copy is not a "duplicate" of a failure.
    expect((await first).statusCode).toBe(503);
    const second = await copy;
    expect(second.statusCode).toBe(202);
    expect(JSON.parse(second.body)).toMatchObject({ enqueued: ['web'], duplicate: false });
    expect(sent.map((j) => [j.app, j.deliveryId])).toEqual([['web', 'pr-2']]);
    expect((await endpoint(delivery('pr-2'))).statusCode).toBe(200);
  });
});

describe('preview settings', () => {
  test('absent without the preview key; GitHub defaults to service.github; inline tokens refused', () => {
    expect(parsePreviewSettings('service.slack: { webhookURLSecret: s }')).toBeUndefined();
    expect(
      parsePreviewSettings(
        'service.github: { tokenSecret: gh, apiURL: "https://ghe.example/api/v3" }\npreview: { github: {} }',
      ),
    ).toEqual({
      forks: false,
      githubReport: 'status',
      maxCommentBytes: 60_000,
      github: { apiURL: 'https://ghe.example/api/v3', tokenSecret: 'gh' },
    });
    expect(() => parsePreviewSettings('preview: { github: { token: ghp_x } }')).toThrow(
      'notifications config preview.github: token is a secret: name a secret in the secret store (tokenSecret)',
    );
    expect(() => parsePreviewSettings('preview: { forks: "yes", gitlab: { tokenSecret: t } }')).toThrow(
      'notifications config preview: forks must be true or false',
    );
    expect(() =>
      parsePreviewSettings('preview: { gitlab: { tokenSecret: t, apiURL: "https://u:p@gl.example" } }'),
    ).toThrow(/apiURL has no credentials/);
  });
});
