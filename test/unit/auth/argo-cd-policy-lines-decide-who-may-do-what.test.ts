import { readFileSync } from 'node:fs';
import { Rbac, type Permission } from '../../../shared/auth/rbac.js';
import type { Identity } from '../../../shared/auth/identity.js';

const policyCsv = readFileSync(new URL('../../fixtures/auth/policy.csv', import.meta.url), 'utf8');

const user = (subject: string, ...groups: string[]): Identity => ({ subject, groups, method: 'oidc-bearer' });
const alice = user('alice', 'team-a');
const bob = user('bob', 'ops');
const carol = user('carol');
const dave = user('dave');
const mallory = user('mallory', 'team-a', 'ops');

const app = (action: Permission['action'], object: string): Permission => ({
  resource: 'applications',
  action,
  object,
});

// users × actions × outcome (the table the closing note shows)
const table: [string, Identity, Permission, boolean][] = [
  ['alice gets a team-a app', alice, app('get', 'team-a/web'), true],
  ['alice syncs a team-a app', alice, app('sync', 'team-a/web'), true],
  ['alice creates a team-a app', alice, app('create', 'team-a/new'), true],
  ['alice may not delete a team-a app', alice, app('delete', 'team-a/web'), false],
  ['alice may not sync a team-b app', alice, app('sync', 'team-b/web'), false],
  ['alice may not get a team-b app', alice, app('get', 'team-b/web'), false],
  ['alice reads team-a logs', alice, { resource: 'logs', action: 'get', object: 'team-a/web' }, true],
  [
    'alice may not register a cluster',
    alice,
    { resource: 'clusters', action: 'create', object: 'prod' },
    false,
  ],
  ['a glob does not cross into a project whose name starts alike', alice, app('sync', 'team-ab/web'), false],
  ['bob syncs any app', bob, app('sync', 'team-b/web'), true],
  ['bob deletes a staging app', bob, app('delete', 'staging/web'), true],
  ['bob may not delete a prod app (deny wins)', bob, app('delete', 'prod/web'), false],
  ['bob may not remove a cluster', bob, { resource: 'clusters', action: 'delete', object: 'prod' }, false],
  [
    'carol (admin by a g line) removes a cluster',
    carol,
    { resource: 'clusters', action: 'delete', object: 'prod' },
    true,
  ],
  ['carol deletes a prod app', carol, app('delete', 'prod/web'), true],
  ['dave, with no role, may not get an app', dave, app('get', 'team-a/web'), false],
  ['mallory syncs another team-a app', mallory, app('sync', 'team-a/web'), true],
  [
    'mallory may not sync payments: her deny beats both groups’ allows',
    mallory,
    app('sync', 'team-a/payments'),
    false,
  ],
  [
    'a group named like a user gets nothing from the user’s lines',
    user('eve', 'mallory'),
    app('get', 'team-a/web'),
    false,
  ],
];

describe('Argo CD policy lines decide who may do what', () => {
  let rbac: Rbac;
  beforeAll(async () => {
    rbac = await Rbac.create({ policyCsv });
  });

  test.each(table)('%s', (_name, who, what, allowed) => {
    expect(rbac.can(who, what)).toBe(allowed);
  });

  test('the default role applies to everyone: dave may get but not sync', async () => {
    const withDefault = await Rbac.create({ policyCsv, defaultRole: 'role:readonly' });
    expect(withDefault.can(dave, app('get', 'team-b/web'))).toBe(true);
    expect(withDefault.can(dave, app('sync', 'team-b/web'))).toBe(false);
    // A deny still beats what the default role allows.
    const denied = await Rbac.create({
      policyCsv: 'p, dave, applications, get, secret/*, deny',
      defaultRole: 'role:readonly',
    });
    expect(denied.can(dave, app('get', 'secret/web'))).toBe(false);
  });

  test('the Argo CD line for applicationsets is skipped with a warning naming it', async () => {
    expect((await Rbac.create({ policyCsv })).policy.warnings).toEqual([
      'policy.csv line 23: Gitferry has no applicationsets; the line has no effect',
    ]);
  });

  test('built-in role:readonly gets everything and changes nothing', async () => {
    const ro = user('r', 'role:readonly');
    const r = await Rbac.create();
    for (const resource of ['applications', 'projects', 'clusters', 'repositories', 'logs'] as const)
      expect(
        r.can(ro, {
          resource,
          action: 'get',
          object: resource === 'applications' || resource === 'logs' ? 'p/a' : 'x',
        }),
      ).toBe(true);
    for (const action of ['create', 'update', 'delete', 'sync', 'override', 'action'] as const)
      expect(r.can(ro, app(action, 'p/a'))).toBe(false);
  });
});
