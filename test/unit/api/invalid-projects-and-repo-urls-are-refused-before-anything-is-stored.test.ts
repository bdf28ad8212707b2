import type { Hono } from 'hono';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { createApiApp } from '../../../shared/api/api-app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe('POST /api/v1/projects and /api/v1/apps with hostile manifests', () => {
  let db: SqliteDatabase;
  let store: SqliteStateStore;
  let api: Hono;
  const sent: SyncJob[] = [];
  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new SqliteStateStore(db);
    sent.length = 0;
    api = createApiApp({
      store,
      queue: { send: async (job) => void sent.push(job) },
      controller: {} as WakeUpHandler,
      log: silent,
      now: () => 0,
    });
  });
  afterEach(() => db.close());

  const post = (path: string, body: string) =>
    api.request(`/api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body });

  test.each([
    [
      'kind: AppProject\nmetadata: { name: team }\nspec: { sourceRepos: ["!*"] }',
      'AppProject/team: spec.sourceRepos[0]: "!*" is not allowed (it would deny everything)',
    ],
    [
      'kind: AppProject\nmetadata: { name: team }\nspec: { destinations: [{ name: prod, namespace: "team-[" }] }',
      'AppProject/team: spec.destinations[0].namespace: glob "team-[" has a "[" without its "]"',
    ],
    [
      'kind: AppProject\nmetadata: { name: team }\nspec: { clusterResourceWhitelist: [{ group: "*", kind: 7 }] }',
      'AppProject/team: spec.clusterResourceWhitelist[0].kind must be a string',
    ],
    ['kind: AppProject\nmetadata: { name: "" }', 'AppProject/?: metadata.name is required'],
    [
      'kind: AppProject\nmetadata: { name: "team\\nINFO forged log line" }',
      'AppProject/team?INFO forged log line: metadata.name must be a DNS name',
    ],
    [
      'kind: AppProject\nmetadata: { name: team }\nspec: { sourceRepos: ["https://git.example.com@evil.net/x"] }',
      'AppProject/team: spec.sourceRepos[0]: repository URL "https://…@evil.net/x" must not carry a user name or password',
    ],
  ])('an invalid project gets a 400 naming the field: %j', async (yaml, detail) => {
    const res = await post('projects', yaml);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { title: string; detail: string };
    expect(body.title).toBe('Invalid AppProject');
    expect(body.detail).toContain(detail);
    expect(await store.listProjects()).toEqual([]);
  });

  test('a valid project is stored with its plain repository URLs canonical', async () => {
    const res = await post(
      'projects',
      'kind: AppProject\nmetadata: { name: team }\nspec:\n  sourceRepos: ["https://GitHub.com/Acme/Shop/"]\n  destinations: [{ name: prod, namespace: shop }]\n  signatureKeys: []',
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as { warnings: string[] }).warnings).toEqual([
      'spec.signatureKeys is not supported by Gitferry and is ignored',
    ]);
    expect((await store.getProject('team'))?.sourceRepos).toEqual(['https://github.com/Acme/Shop']);
  });

  test('an app whose repoURL hides another path is refused, stored nowhere and never woken', async () => {
    const res = await post(
      'apps',
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: guestbook }\nspec:\n  source: { repoURL: "https://github.com/good/%2e%2e/evil", path: app }\n  destination: { name: prod, namespace: guestbook }',
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toMatch(/^Application\/guestbook: spec\.source\.repoURL: repository URL /);
    expect(await store.listApps()).toEqual([]);
    expect(sent).toEqual([]);
  });
});
