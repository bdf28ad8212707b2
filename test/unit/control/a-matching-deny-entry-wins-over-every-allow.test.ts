import type { Project } from '../../../shared/domain/app.js';
import { checkAppScope, destinationPermitted, repoPermitted } from '../../../shared/control/project-scope.js';
import { appFixture } from './project-fixtures.js';

const project = (over: Partial<Project>): Project => ({
  name: 'team',
  sourceRepos: ['*'],
  destinations: [{ name: '*', namespace: '*' }],
  ...over,
});

describe('deny entries in sourceRepos', () => {
  const repos = project({
    sourceRepos: [
      '*',
      'https://github.com/acme/**',
      'https://github.com/acme/shop',
      '!https://github.com/acme/secret*',
      '!https://gitlab.com/group/**',
    ],
  });

  test('a matching deny entry refuses the repository whatever the allow entries say', () => {
    expect(repoPermitted(repos, 'https://github.com/acme/shop')).toBe(true);
    expect(repoPermitted(repos, 'https://github.com/acme/secrets')).toBe(false);
    expect(repoPermitted(repos, 'https://gitlab.com/group/sub/project.git')).toBe(false);
  });

  test('the deny entry matches however the URL is spelt (case, .git, //, trailing slash)', () => {
    for (const url of [
      'https://GitHub.com/ACME/Secrets.git',
      'https://github.com//acme/secrets/',
      'https://GITLAB.com/Group/x',
    ])
      expect(repoPermitted(repos, url)).toBe(false);
  });

  test('an URL that hides a denied path behind dot segments is not a repository at all', () => {
    const app = appFixture({ repoURL: 'https://github.com/acme/shop/../secrets' });
    expect(checkAppScope(app, repos)).toEqual([
      'source repository repository URL "https://github.com/acme/shop/../secrets" must not contain "." or ".." path segments',
    ]);
    expect(checkAppScope(appFixture({ repoURL: 'https://github.com/acme/%2e%2e/evil' }), repos)).toHaveLength(
      1,
    );
  });

  test('a deny entry allows nothing by itself: some allow entry must match', () => {
    const onlyDeny = project({ sourceRepos: ['!https://github.com/acme/secrets'] });
    expect(repoPermitted(onlyDeny, 'https://github.com/acme/shop')).toBe(false);
  });

  test('* stays within one path segment, ** crosses segments, as in Argo CD', () => {
    const scoped = project({ sourceRepos: ['https://github.com/acme/*'] });
    expect(repoPermitted(scoped, 'https://github.com/acme/shop')).toBe(true);
    expect(repoPermitted(scoped, 'https://github.com/acme/shop/sub')).toBe(false);
  });
});

describe('deny entries in destinations', () => {
  const dests = project({
    destinations: [
      { name: '*', namespace: '*' },
      { name: '*', namespace: '!kube-*' },
      { server: '!team1-*', namespace: '*' },
    ],
  });

  test('a denied namespace is refused on every cluster, a denied cluster in every namespace', () => {
    expect(destinationPermitted(dests, 'prod', 'shop')).toBe(true);
    expect(destinationPermitted(dests, 'prod', 'kube-system')).toBe(false);
    expect(destinationPermitted(dests, 'team1-eu', 'shop')).toBe(false);
  });

  test('a deny entry allows nothing by itself', () => {
    const onlyDeny = project({ destinations: [{ name: '*', namespace: '!kube-system' }] });
    expect(destinationPermitted(onlyDeny, 'prod', 'shop')).toBe(false);
  });

  test('an app whose destination is denied is refused, naming it', () => {
    const app = appFixture({ destination: { name: 'prod', namespace: 'kube-system' } });
    expect(checkAppScope(app, dests)).toEqual([
      'destination prod/kube-system is not permitted in project team',
    ]);
  });
});
