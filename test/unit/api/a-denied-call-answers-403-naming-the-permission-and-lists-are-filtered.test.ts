import { readFileSync } from 'node:fs';
import { Authenticator } from '../../../shared/auth/authenticate.js';
import type { Identity } from '../../../shared/auth/identity.js';
import { Rbac } from '../../../shared/auth/rbac.js';
import type { AccessControl } from '../../../shared/api/authorize.js';
import { startApiBed, type ApiBed } from './api-bed.js';

const policyCsv = readFileSync(new URL('../../fixtures/auth/policy.csv', import.meta.url), 'utf8');

// Bearer tokens standing for signed-in users (the OIDC check is tested against a real provider
// elsewhere); the admin token of `gitferry serve` stays an admin.
const users: Record<string, Identity> = {
  'alice-token': { subject: 'alice', groups: ['team-a'], method: 'oidc-bearer' },
  'bob-token': { subject: 'bob', groups: ['ops'], method: 'oidc-bearer' },
  'dave-token': { subject: 'dave', groups: [], method: 'oidc-bearer' },
};

function application(name: string, project: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: {
      project,
      source: { repoURL: 'https://git.example.com/org/apps.git', path: name, targetRevision: 'HEAD' },
      destination: { name: 'prod', namespace: name },
    },
  };
}

describe('a denied call answers 403 naming the permission; lists show what the caller may get', () => {
  let bed: ApiBed;
  let access: AccessControl;
  const as = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ) => {
    const res = await bed.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    const rbac = await Rbac.create({ policyCsv });
    access = {
      authenticator: new Authenticator({
        adminToken: 'api-token',
        bearer: [{ identify: async (t) => users[t] }],
      }),
      rbac: async () => rbac,
    };
    bed = startApiBed({ access });
    for (const [name, project] of [
      ['web', 'team-a'],
      ['pay', 'team-b'],
      ['db', 'prod'],
    ] as const)
      expect((await bed.call('POST', '/api/v1/apps', application(name, project))).status).toBe(201);
    for (const name of ['team-a', 'team-b', 'prod'])
      expect(
        (
          await bed.call('POST', '/api/v1/projects', {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'AppProject',
            metadata: { name },
            spec: { sourceRepos: ['*'], destinations: [{ name: '*', namespace: '*' }] },
          })
        ).status,
      ).toBe(201);
  });
  afterAll(() => bed.close());

  test('alice syncs her team’s app', async () => {
    expect((await as('alice-token', 'POST', '/api/v1/apps/web/sync', {})).status).toBe(202);
  });

  test('alice’s sync of another team’s app is 403 problem+json naming what is missing', async () => {
    const res = await as('alice-token', 'POST', '/api/v1/apps/pay/sync', {});
    expect(res.status).toBe(403);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'permission denied: applications, sync, team-b/pay (alice)',
    });
  });

  test('an app that does not exist answers 403 to who may not see it, and 404 to an admin', async () => {
    expect((await as('alice-token', 'GET', '/api/v1/apps/nothing')).status).toBe(403);
    expect((await as('api-token', 'GET', '/api/v1/apps/nothing')).status).toBe(404);
  });

  test('alice may create an app in team-a, not in team-b, nor move web to team-b by upsert', async () => {
    expect((await as('alice-token', 'POST', '/api/v1/apps', application('api', 'team-a'))).status).toBe(201);
    const other = await as('alice-token', 'POST', '/api/v1/apps', application('api2', 'team-b'));
    expect(other.body.detail).toBe('permission denied: applications, create, team-b/api2 (alice)');
    const moved = await as('alice-token', 'POST', '/api/v1/apps?upsert=true', application('web', 'team-b'));
    expect(moved.status).toBe(403);
    expect((await bed.store.getApp('web'))?.project).toBe('team-a');
  });

  test('bob may not delete a prod app (a deny line) and the app stays', async () => {
    const res = await as('bob-token', 'DELETE', '/api/v1/apps/db?cascade=false');
    expect(res.body.detail).toBe('permission denied: applications, delete, prod/db (bob)');
    expect(await bed.store.getApp('db')).toBeDefined();
  });

  test('registering or removing a cluster needs the clusters permission', async () => {
    const res = await as('bob-token', 'POST', '/api/v1/clusters', {
      name: 'evil',
      server: 'https://203.0.113.9',
    });
    expect(res.body.detail).toBe('permission denied: clusters, create, evil (bob)');
    expect((await as('alice-token', 'DELETE', '/api/v1/clusters/prod')).status).toBe(403);
  });

  test('lists are filtered to what the caller may get', async () => {
    const names = (r: { body: Record<string, unknown> }) =>
      (r.body.items as { name: string }[]).map((i) => i.name).sort();
    expect(names(await as('alice-token', 'GET', '/api/v1/apps'))).toEqual(['api', 'web']);
    expect(names(await as('bob-token', 'GET', '/api/v1/apps'))).toEqual(['api', 'db', 'pay', 'web']);
    expect(names(await as('dave-token', 'GET', '/api/v1/apps'))).toEqual([]);
    expect(names(await as('alice-token', 'GET', '/api/v1/projects'))).toEqual(['team-a']);
    expect(names(await as('api-token', 'GET', '/api/v1/projects'))).toEqual(
      expect.arrayContaining(['prod', 'team-a', 'team-b']),
    );
  });

  test('X-Forwarded-* and user headers grant nothing', async () => {
    const spoof = {
      'x-forwarded-user': 'carol',
      'x-forwarded-groups': 'role:admin',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': 'localhost',
      'x-remote-user': 'admin',
    };
    expect((await as('alice-token', 'POST', '/api/v1/apps/pay/sync', {}, spoof)).status).toBe(403);
    const anon = await bed.app.request('/api/v1/apps', { headers: spoof });
    expect(anon.status).toBe(401);
  });

  test('an unknown bearer token is 401 and a malformed Authorization header too', async () => {
    expect((await as('forged', 'GET', '/api/v1/apps')).status).toBe(401);
    const res = await bed.app.request('/api/v1/apps', {
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    });
    expect(res.status).toBe(401);
  });

  test('the admin token of gitferry serve still does everything', async () => {
    expect((await as('api-token', 'POST', '/api/v1/apps/pay/sync', {})).status).toBe(202);
  });
});
