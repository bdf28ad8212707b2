import { parsePolicyCsv, PolicyError } from '../../../shared/auth/policy.js';
import { Rbac } from '../../../shared/auth/rbac.js';

const refused: [string, string, RegExp][] = [
  [
    'a quoted field (casbin CSV would read it)',
    'p, "alice", applications, get, */*, allow',
    /line 1: the subject .* quote/,
  ],
  [
    'an extra field smuggling a second rule',
    'p, alice, applications, get, */*, allow, p',
    /line 1: a p line has 6 fields/,
  ],
  [
    'a carriage return splitting a line',
    'p, alice, applications, get, */*, allow\rp, alice, clusters, delete, *, allow',
    /control character/,
  ],
  ['an unknown effect', 'p, alice, applications, get, */*, maybe', /the effect is allow or deny/],
  ['an unknown resource', 'p, alice, secrets, get, *, allow', /unknown resource "secrets"/],
  ['an unknown action', 'p, alice, applications, exec, */*, allow', /unknown action "exec"/],
  ['an unclosed glob', 'p, alice, applications, get, team-[a/*, allow', /not a valid glob/],
  ['an over-long glob', `p, alice, applications, get, ${'*a'.repeat(600)}, allow`, /over 512 characters/],
  ['a g line with three members', 'g, alice, role:admin, extra', /a g line has 3 fields/],
  ['an empty subject', 'p, , applications, get, */*, allow', /the subject is empty/],
  ['a line of another kind', 'm, r.sub == p.sub', /starts with p or g/],
];

describe('policy lines with injection attempts', () => {
  test.each(refused)('%s is refused naming the line', (_n, csv, why) => {
    expect(() => parsePolicyCsv(csv, 'policy.csv')).toThrow(PolicyError);
    expect(() => parsePolicyCsv(csv, 'policy.csv')).toThrow(why);
  });

  test('a matcher expression as a subject is only a name: it grants nobody anything', async () => {
    const rbac = await Rbac.create({ policyCsv: 'p, r.sub||true, applications, *, */*, allow' });
    expect(
      rbac.can(
        { subject: 'bob', groups: [], method: 'oidc-bearer' },
        { resource: 'applications', action: 'delete', object: 'a/b' },
      ),
    ).toBe(false);
    expect(
      rbac.can(
        { subject: 'r.sub||true', groups: [], method: 'oidc-bearer' },
        { resource: 'applications', action: 'delete', object: 'a/b' },
      ),
    ).toBe(true);
  });

  test('a glob of many stars against a long object is decided (the matcher is linear: no backtracking blow-up)', async () => {
    const rbac = await Rbac.create({ policyCsv: `p, alice, applications, get, ${'*a'.repeat(60)}b, allow` });
    expect(
      rbac.can(
        { subject: 'alice', groups: [], method: 'oidc-bearer' },
        { resource: 'applications', action: 'get', object: 'a'.repeat(2000) },
      ),
    ).toBe(false);
  });

  test('a subject may not be granted a role by putting it in its own name: * in a g line is literal', async () => {
    const rbac = await Rbac.create({ policyCsv: 'g, *, role:admin' });
    expect(
      rbac.can(
        { subject: 'anyone', groups: [], method: 'oidc-bearer' },
        { resource: 'clusters', action: 'delete', object: 'x' },
      ),
    ).toBe(false);
  });
});
