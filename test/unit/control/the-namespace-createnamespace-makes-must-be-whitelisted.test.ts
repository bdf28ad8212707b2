import type { Project } from '../../../shared/domain/app.js';
import { checkObjectScope } from '../../../shared/control/project-scope.js';
import { appFixture, preparedObject } from './project-fixtures.js';

const project = (over: Partial<Project> = {}): Project => ({
  name: 'team',
  sourceRepos: ['*'],
  destinations: [{ name: 'prod', namespace: '*' }],
  ...over,
});

const createNamespace = appFixture({
  destination: { name: 'prod', namespace: 'kube-system' },
  syncPolicy: {
    syncOptions: ['CreateNamespace=true'],
    managedNamespaceMetadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
  },
});
const set = { resources: [preparedObject('', 'ConfigMap', 'settings', 'kube-system')], hooks: [] };

describe('the Namespace CreateNamespace=true creates', () => {
  test('is refused when the project does not whitelist Namespaces (nor its metadata applied)', () => {
    expect(checkObjectScope(set, createNamespace, project())).toEqual([
      'Namespace/kube-system: cluster-scoped core/Namespace (created by CreateNamespace=true) is not permitted in project team',
    ]);
  });

  test('is refused when the project blacklists Namespaces even if a wildcard whitelists them', () => {
    const p = project({
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }],
    });
    expect(checkObjectScope(set, createNamespace, p)).toHaveLength(1);
  });

  test('is allowed when the project whitelists Namespaces', () => {
    const p = project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] });
    expect(checkObjectScope(set, createNamespace, p)).toEqual([]);
  });

  test('is not checked without the option, and a rendered Namespace is checked as itself', () => {
    const plain = appFixture({ destination: { name: 'prod', namespace: 'kube-system' } });
    expect(checkObjectScope(set, plain, project())).toEqual([]);
    const rendered = {
      resources: [...set.resources, preparedObject('', 'Namespace', 'kube-system')],
      hooks: [],
    };
    expect(checkObjectScope(rendered, createNamespace, project())).toEqual([
      'Namespace/kube-system: cluster-scoped core/Namespace is not permitted in project team',
    ]);
  });
});
