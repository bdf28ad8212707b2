import type { Project } from '../../../shared/domain/app.js';
import { checkAppScope, checkObjectScope } from '../../../shared/control/project-scope.js';
import { appFixture, preparedObject } from './project-fixtures.js';

// Argo CD: an entry's namespace is a glob like the others, and an absent one is "", which matches
// only the empty namespace, i.e. cluster-scoped objects (IsResourcePermitted checks destinations
// for namespaced objects only).
const project: Project = {
  name: 'platform',
  sourceRepos: ['*'],
  destinations: [{ name: 'prod' }, { name: 'staging', namespace: 'platform-*' }],
  clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
};

describe('a project destination without a namespace', () => {
  test('lets an app without a namespace apply whitelisted cluster-scoped objects there', () => {
    const app = appFixture({ project: 'platform', destination: { name: 'prod' } });
    expect(checkAppScope(app, project)).toEqual([]);
    const set = {
      resources: [preparedObject('rbac.authorization.k8s.io', 'ClusterRole', 'reader')],
      hooks: [],
    };
    expect(checkObjectScope(set, app, project)).toEqual([]);
  });

  test('does not allow any namespace on that cluster', () => {
    const app = appFixture({ project: 'platform', destination: { name: 'prod', namespace: 'kube-system' } });
    expect(checkAppScope(app, project)).toEqual([
      'destination prod/kube-system is not permitted in project platform',
    ]);
    const set = {
      resources: [preparedObject('', 'Secret', 'stolen', 'kube-system')],
      hooks: [preparedObject('batch', 'Job', 'run', 'default')],
    };
    expect(
      checkObjectScope(set, appFixture({ project: 'platform', destination: { name: 'prod' } }), project),
    ).toEqual([
      'Secret/kube-system/stolen: namespace kube-system on cluster prod is not a permitted destination of project platform',
      'Job/default/run: namespace default on cluster prod is not a permitted destination of project platform',
    ]);
  });

  test('a destination with a namespace glob does not allow the empty namespace', () => {
    const app = appFixture({ project: 'platform', destination: { name: 'staging' } });
    expect(checkAppScope(app, project)).toEqual([
      'destination staging/(cluster) is not permitted in project platform',
    ]);
  });
});
