import { load } from 'js-yaml';
import { parseAppProjectManifest, ProjectFormatError } from '../../../shared/domain/application-manifest.js';

const manifest = (spec: unknown, name: unknown = 'team') => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name },
  spec,
});

function refusal(doc: unknown): string {
  try {
    parseAppProjectManifest(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ProjectFormatError);
    expect((err as ProjectFormatError).code).toBe('project:invalid');
    return (err as Error).message;
  }
  throw new Error('the project was accepted');
}

describe('AppProject validation', () => {
  test.each([
    [manifest({}, ''), 'AppProject/?: metadata.name is required'],
    [manifest({}, 42), 'AppProject/?: metadata.name is required'],
    [manifest({}, 'Team A'), 'AppProject/Team A: metadata.name must be a DNS name'],
    [manifest({}, '$(id)'), 'AppProject/$(id): metadata.name must be a DNS name'],
    [{ ...manifest({}), kind: 'Application' }, 'AppProject/team: kind must be AppProject'],
    [{ ...manifest({}), apiVersion: 'v1' }, 'AppProject/team: apiVersion must be argoproj.io/v1alpha1'],
    [manifest('everything'), 'AppProject/team: spec must be an object'],
    [manifest({ sourceRepos: 'https://github.com/acme/*' }), 'spec.sourceRepos must be a list'],
    [manifest({ sourceRepos: ['*', 7] }), 'spec.sourceRepos[1] must be a string'],
    [manifest({ sourceRepos: [''] }), 'spec.sourceRepos[0] must not be empty'],
    [manifest({ sourceRepos: ['!*'] }), 'spec.sourceRepos[0]: "!*" is not allowed'],
    [manifest({ sourceRepos: ['https://github.com/acme/[a-'] }), 'spec.sourceRepos[0]: glob'],
    [manifest({ sourceRepos: ['https://github.com/{acme,evil'] }), 'has a "{" without its "}"'],
    [
      manifest({ sourceRepos: ['https://github.com/acme/../evil'] }),
      'spec.sourceRepos[0]: repository URL "https://github.com/acme/../evil" must not contain',
    ],
    [manifest({ sourceRepos: ['https://tok@github.com/acme/x'] }), 'must not carry a user name or password'],
    [manifest({ destinations: {} }), 'spec.destinations must be a list'],
    [manifest({ destinations: ['prod'] }), 'spec.destinations[0] must be an object'],
    [manifest({ destinations: [{ namespace: '*' }] }), 'spec.destinations[0]: name or server is required'],
    [
      manifest({ destinations: [{ name: 'prod', namespace: 5 }] }),
      'spec.destinations[0].namespace must be a string',
    ],
    [
      manifest({ destinations: [{ server: '!*', namespace: '*' }] }),
      'spec.destinations[0].server: "!*" is not allowed',
    ],
    [manifest({ destinations: [{ name: 'prod', namespace: 'a]' }] }), 'has a "]" without its "["'],
    [
      manifest({ clusterResourceWhitelist: [{ group: '*' }] }),
      'spec.clusterResourceWhitelist[0].kind must be a string',
    ],
    [manifest({ clusterResourceWhitelist: ['*'] }), 'spec.clusterResourceWhitelist[0] must be an object'],
    [
      manifest({ namespaceResourceBlacklist: [{ group: 1, kind: '*' }] }),
      'spec.namespaceResourceBlacklist[0].group must be a string',
    ],
    [
      manifest({ namespaceResourceWhitelist: [{ group: '', kind: '!Secret' }] }),
      '"!" patterns are not supported',
    ],
    [
      manifest({ clusterResourceBlacklist: [{ group: '', kind: `${'{a,b}'.repeat(9)}` }] }),
      'too many alternatives',
    ],
  ])('%j is refused: %s', (doc, message) => {
    expect(refusal(doc)).toContain(message);
  });

  test('a valid project keeps its globs, canonicalises plain URLs and lists what it ignores', () => {
    const { project, warnings } = parseAppProjectManifest(
      load(`
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: { name: payments }
spec:
  description: the payments team
  sourceRepos: ['https://GitHub.com//Acme/Payments.git/', '!https://github.com/acme/secret-*', '*']
  destinations:
    - { name: prod-*, namespace: 'payments-*' }
    - { server: '!team1-*', namespace: '*' }
    - { name: prod-eu }
  clusterResourceWhitelist: [{ group: '', kind: Namespace }]
  namespaceResourceBlacklist: [{ kind: ResourceQuota }]
  roles: []
  signatureKeys: []
`),
    );
    expect(project).toEqual({
      name: 'payments',
      sourceRepos: ['https://github.com/Acme/Payments.git', '!https://github.com/acme/secret-*', '*'],
      destinations: [
        { name: 'prod-*', namespace: 'payments-*' },
        { server: '!team1-*', namespace: '*' },
        { name: 'prod-eu' },
      ],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      clusterResourceBlacklist: undefined,
      namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
      namespaceResourceWhitelist: undefined,
    });
    // roles are read now (project roles, RBAC); an empty list keeps the project unchanged.
    expect(warnings).toEqual(['spec.signatureKeys is not supported by Gitferry and is ignored']);
  });
});

describe('AppProject roles', () => {
  test.each([
    ['a role without a name', [{ policies: [] }], 'spec.roles[0].name must be'],
    [
      'a role name with a colon (it would forge another subject)',
      [{ name: 'a:b' }],
      'spec.roles[0].name must be',
    ],
    [
      'policies that are not strings',
      [{ name: 'ci', policies: [1] }],
      'spec.roles[0].policies must be a list of strings',
    ],
    ['a policy with a newline', [{ name: 'ci', policies: ['p, a\np, b'] }], 'spec.roles[0].policies must be'],
    ['two roles of one name', [{ name: 'ci' }, { name: 'ci' }], 'two roles of one name'],
  ])('%s is refused naming the field', (_n, roles, why) => {
    expect(() =>
      parseAppProjectManifest({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'p' },
        spec: { roles },
      }),
    ).toThrow(why);
  });

  test('a role keeps its policies and groups; jwtTokens are reported as ignored', () => {
    const { project, warnings } = parseAppProjectManifest({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'p' },
      spec: {
        roles: [
          {
            name: 'ci',
            policies: ['p, proj:p:ci, applications, sync, p/*, allow'],
            groups: ['g'],
            jwtTokens: [],
          },
        ],
      },
    });
    expect(project.roles).toEqual([
      { name: 'ci', policies: ['p, proj:p:ci, applications, sync, p/*, allow'], groups: ['g'] },
    ]);
    expect(warnings).toEqual([
      'spec.roles[0].jwtTokens is ignored: Gitferry issues project tokens through its API',
    ]);
  });
});
