import { readFileSync } from 'node:fs';
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { Identity } from '../../../shared/auth/identity.js';
import { buildAccess } from '../../../shared/runtime/access.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

const policyCsv = readFileSync(new URL('../../fixtures/auth/policy.csv', import.meta.url), 'utf8');
const users: Record<string, Identity> = {
  'alice-token': { subject: 'alice', groups: ['team-a'], method: 'oidc-bearer' },
  'carl-token': { subject: 'carl', groups: ['team-a-ci'], method: 'oidc-bearer' },
};

const project = (name: string, roles: unknown[] = []) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name },
  spec: { sourceRepos: ['*'], destinations: [{ name: '*', namespace: '*' }], roles },
});
const deployer = {
  name: 'deployer',
  description: 'CI deploys team-a',
  policies: [
    'p, proj:team-a:deployer, applications, sync, team-a/*, allow',
    'p, proj:team-a:deployer, applications, get, team-a/*, allow',
  ],
  groups: ['team-a-ci'],
};
const application = (name: string, proj: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name },
  spec: {
    project: proj,
    source: { repoURL: 'https://git.example.com/org/apps.git', path: name },
    destination: { name: 'prod', namespace: name },
  },
});

describe('project roles and project tokens act only inside their project', () => {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  let app: ReturnType<typeof createApiApp>;
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  let token = '';
  let tokenId = '';

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
    });
    expect((await call('api-token', 'POST', '/api/v1/projects', project('team-a', [deployer]))).status).toBe(
      201,
    );
    expect((await call('api-token', 'POST', '/api/v1/projects', project('team-b'))).status).toBe(201);
    for (const [n, p] of [
      ['web', 'team-a'],
      ['pay', 'team-b'],
    ] as const)
      expect((await call('api-token', 'POST', '/api/v1/apps', application(n, p))).status).toBe(201);
  });
  afterAll(() => db.close());

  test('a group bound to a project role syncs that project’s apps and no other', async () => {
    expect((await call('carl-token', 'POST', '/api/v1/apps/web/sync', {})).status).toBe(202);
    const other = await call('carl-token', 'POST', '/api/v1/apps/pay/sync', {});
    expect(other.body.detail).toBe('permission denied: applications, sync, team-b/pay (carl)');
  });

  test.each([
    [
      'an object in another project',
      'p, proj:team-a:x, applications, sync, team-b/*, allow',
      'must start with team-a/',
    ],
    [
      'a glob over every project',
      'p, proj:team-a:x, applications, sync, */*, allow',
      'must start with team-a/',
    ],
    ['another subject', 'p, role:admin, applications, *, */*, allow', 'the subject must be proj:team-a:x'],
    ['clusters', 'p, proj:team-a:x, clusters, delete, *, allow', 'applications or logs only'],
  ])('a role policy naming %s refuses the project (400) and changes nothing', async (_n, line, why) => {
    const res = await call(
      'api-token',
      'POST',
      '/api/v1/projects',
      project('team-a', [{ name: 'x', policies: [line] }]),
    );
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('AppProject/team-a role x policy');
    expect(res.body.detail).toContain(why);
    expect((await store.getProject('team-a'))?.roles?.map((r) => r.name)).toEqual(['deployer']);
  });

  test('a project token is issued once, stored hashed, acts as its role, and is refused once revoked', async () => {
    const denied = await call('alice-token', 'POST', '/api/v1/projects/team-a/roles/deployer/tokens', {});
    expect(denied.body.detail).toBe('permission denied: projects, update, team-a (alice)');

    const issued = await call('api-token', 'POST', '/api/v1/projects/team-a/roles/deployer/tokens', {
      expiresIn: 3600,
    });
    expect(issued.status).toBe(201);
    token = issued.body.token as string;
    tokenId = issued.body.id as string;
    expect(token).toMatch(/^gfp_[a-f0-9]{32}_[\w-]{43}$/);
    const stored = await store.getProjectToken(tokenId);
    // The secret is everything after the id: base64url, so it may hold underscores itself.
    expect(JSON.stringify(stored)).not.toContain(token.split('_').slice(2).join('_'));
    expect(stored).toMatchObject({ project: 'team-a', role: 'deployer', issuedBy: 'admin' });

    expect((await call(token, 'POST', '/api/v1/apps/web/sync', {})).status).toBe(202);
    const other = await call(token, 'POST', '/api/v1/apps/pay/sync', {});
    expect(other.body.detail).toBe(
      'permission denied: applications, sync, team-b/pay (proj:team-a:deployer)',
    );
    const listed = await call('api-token', 'GET', '/api/v1/projects/team-a/tokens');
    expect(listed.body.items).toEqual([expect.objectContaining({ id: tokenId, role: 'deployer' })]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    // A token with its secret changed by one character is refused like an unknown one.
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await call(flipped, 'GET', '/api/v1/apps')).status).toBe(401);

    expect((await call('api-token', 'DELETE', `/api/v1/projects/team-a/tokens/${tokenId}`)).status).toBe(200);
    const revoked = await call(token, 'POST', '/api/v1/apps/web/sync', {});
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toBe('the project token is revoked or unknown');
  });

  test('the audit trail shows each attempt with who, token id and result', async () => {
    const res = await call('api-token', 'GET', '/api/v1/audit?app=web&limit=100');
    const items = res.body.items as Record<string, unknown>[];
    const tokenEntries = items.filter((e) => e.tokenId === tokenId);
    expect(tokenEntries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subject: 'proj:team-a:deployer',
          method: 'project-token',
          result: 'allowed',
          status: 202,
          action: 'POST /api/v1/apps/web/sync',
        }),
      ]),
    );
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subject: 'anonymous',
          result: 'unauthenticated',
          status: 401,
          action: 'POST /api/v1/apps/web/sync',
        }),
        expect.objectContaining({
          subject: 'carl',
          groups: ['team-a-ci'],
          result: 'allowed',
          permission: 'applications, sync, team-a/web',
        }),
      ]),
    );
    const denied = (await call('api-token', 'GET', '/api/v1/audit?app=pay')).body.items as Record<
      string,
      unknown
    >[];
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subject: 'proj:team-a:deployer',
          tokenId,
          result: 'denied',
          status: 403,
          permission: 'applications, sync, team-b/pay',
        }),
      ]),
    );
    // Reading the whole trail needs get on every project: alice has team-a only.
    expect((await call('alice-token', 'GET', '/api/v1/audit')).status).toBe(403);
  });
});
