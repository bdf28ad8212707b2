// What the web UI asks of the API: can-i answers by the same RBAC the routes enforce (a forged
// request is still refused), GETs carry ETags (a poll with If-None-Match gets a 304), and the event
// stream names only the apps the caller may get.
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { Identity } from '../../../shared/auth/identity.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { buildAccess } from '../../../shared/runtime/access.js';
import { AppChangeFeed } from '../../../shared/runtime/app-change-feed.js';

const users: Record<string, Identity> = {
  'viewer-token': { subject: 'vera', groups: ['viewers-a'], method: 'oidc-bearer' },
};
const policyCsv = 'p, role:viewer-a, applications, get, team-a/*, allow\ng, viewers-a, role:viewer-a\n';
const application = (name: string, project: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name },
  spec: {
    project,
    source: { repoURL: 'https://git.example/r.git', path: 'x' },
    destination: { name: 'c', namespace: 'n' },
  },
});
const project = (name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name },
  spec: { sourceRepos: ['*'], destinations: [{ name: '*', namespace: '*' }] },
});

describe("the API answers the web UI's questions by the rules it enforces", () => {
  const db = openDatabase(':memory:');
  const changes = new AppChangeFeed();
  const store = changes.observe(new SqliteStateStore(db));
  let app: ReturnType<typeof createApiApp>;
  const call = (token: string, method: string, path: string, body?: unknown, headers = {}) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    const access = await buildAccess(
      {
        adminToken: 'api-token',
        rbacPolicyCsv: policyCsv,
        store,
        bearer: [{ identify: async (t) => users[t] }],
      },
      silentLogger,
    );
    app = createApiApp({
      store,
      queue: new SqliteJobQueue(db),
      controller: {} as WakeUpHandler,
      log: silentLogger,
      now: Date.now,
      token: 'api-token',
      access,
      changes,
    });
    for (const p of ['team-a', 'team-b'])
      expect((await call('api-token', 'POST', '/api/v1/projects', project(p))).status).toBe(201);
    expect((await call('api-token', 'POST', '/api/v1/apps', application('shop', 'team-a'))).status).toBe(201);
    expect((await call('api-token', 'POST', '/api/v1/apps', application('bank', 'team-b'))).status).toBe(201);
  });
  afterAll(() => db.close());

  const canI = async (token: string, what: string) =>
    ((await (await call(token, 'GET', `/api/v1/account/can-i/${what}`)).json()) as { value: string }).value;

  test('can-i says what the routes then allow and refuse, and a forged sync is still refused', async () => {
    expect(await canI('viewer-token', 'applications/get/team-a%2Fshop')).toBe('yes');
    expect(await canI('viewer-token', 'applications/sync/team-a%2Fshop')).toBe('no');
    expect(await canI('viewer-token', 'applications/get/team-b%2Fbank')).toBe('no');
    expect(await canI('api-token', 'applications/sync/team-a%2Fshop')).toBe('yes');
    expect((await call('viewer-token', 'GET', '/api/v1/apps/shop')).status).toBe(200);
    expect((await call('viewer-token', 'POST', '/api/v1/apps/shop/sync', {})).status).toBe(403);
    expect((await call('viewer-token', 'GET', '/api/v1/apps/bank')).status).toBe(403);
    // Hostile input: an unknown resource or action is a 400, not an answer; no credential is a 401.
    expect((await call('viewer-token', 'GET', '/api/v1/account/can-i/secrets/get/x')).status).toBe(400);
    expect((await call('viewer-token', 'GET', '/api/v1/account/can-i/applications/rm%20-rf/x')).status).toBe(
      400,
    );
    expect((await app.request('/api/v1/account/can-i/applications/get/team-a%2Fshop')).status).toBe(401);
  });

  test('a GET answers an ETag, and the same tag sent back gets a 304 until the app changes', async () => {
    const first = await call('viewer-token', 'GET', '/api/v1/apps/shop');
    const tag = first.headers.get('etag');
    expect(tag).toBeTruthy();
    expect(
      (await call('viewer-token', 'GET', '/api/v1/apps/shop', undefined, { 'if-none-match': tag })).status,
    ).toBe(304);
    await call('api-token', 'POST', '/api/v1/apps?upsert=true', {
      ...application('shop', 'team-a'),
      metadata: { name: 'shop', labels: { tier: 'web' } },
    });
    const changed = await call('viewer-token', 'GET', '/api/v1/apps/shop', undefined, {
      'if-none-match': tag,
    });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { app: { labels: unknown } }).app.labels).toEqual({ tier: 'web' });
  });

  test('the event stream names the apps the caller may get, and no other', async () => {
    // A plain GET (a crawler reading to the end) is refused rather than held open forever.
    expect((await call('viewer-token', 'GET', '/api/v1/stream')).status).toBe(406);
    const res = await call('viewer-token', 'GET', '/api/v1/stream', undefined, {
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: hello/);
    // Written through the store, as the worker and the API write: the feed announces both apps.
    await call('api-token', 'POST', '/api/v1/apps/bank/sync', {});
    await call('api-token', 'POST', '/api/v1/apps/shop/sync', {});
    await until(/"app":"shop"/);
    expect(text).not.toContain('bank');
    await reader.cancel();
  });

  test('without a change feed (the API function on AWS) the stream answers 501: clients poll', async () => {
    const bare = createApiApp({
      store,
      queue: new SqliteJobQueue(db),
      controller: {} as WakeUpHandler,
      log: silentLogger,
      now: Date.now,
      token: 'api-token',
    });
    const res = await bare.request('/api/v1/stream', {
      headers: { authorization: 'Bearer api-token', accept: 'text/event-stream' },
    });
    expect(res.status).toBe(501);
  });
});
