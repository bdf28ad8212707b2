import type { Cluster, Project } from '../../../shared/domain/app.js';
import { checkAppScope, checkObjectScope } from '../../../shared/control/project-scope.js';
import { appFixture, preparedObject } from './project-fixtures.js';

// Argo CD projects name clusters by API server URL; Gitferry apps name a registered cluster. The
// project's server patterns are matched against that cluster's server too.
const prod: Cluster = {
  name: 'prod',
  type: 'kubeconfig',
  server: 'https://kube-prod.internal:6443',
  tokenSecret: 'clusters/prod/token',
};

const project: Project = {
  name: 'team',
  sourceRepos: ['*'],
  destinations: [
    { server: '*', namespace: '*' },
    { server: '!https://kube-prod.*', namespace: '*' },
  ],
};

describe('a destination denied by server URL', () => {
  const app = appFixture({ destination: { name: 'prod', namespace: 'shop' } });

  test('refuses an app that names the cluster instead of its server', () => {
    expect(checkAppScope(app, project, prod)).toEqual([
      'destination prod/shop is not permitted in project team',
    ]);
    const set = { resources: [preparedObject('', 'ConfigMap', 'settings', 'shop')], hooks: [] };
    expect(checkObjectScope(set, app, project, prod)).toEqual([
      'ConfigMap/shop/settings: namespace shop on cluster prod is not a permitted destination of project team',
    ]);
  });

  test('an allow entry naming the server permits the cluster registered with it', () => {
    const byServer: Project = {
      ...project,
      destinations: [{ server: 'https://kube-prod.internal:6443', namespace: 'shop' }],
    };
    expect(checkAppScope(app, byServer, prod)).toEqual([]);
    expect(checkAppScope(app, byServer, { ...prod, server: 'https://other:6443' })).toHaveLength(1);
  });
});
