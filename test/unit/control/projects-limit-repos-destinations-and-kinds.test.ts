import type { App, Project } from '../../../shared/domain/app.js';
import type { PreparedObject, PreparedSet } from '../../../shared/engine/prepare.js';
import { checkAppScope, checkObjectScope } from '../../../shared/control/project-scope.js';

const project: Project = {
  name: 'payments',
  sourceRepos: ['https://git.example.com/payments/**', '!https://git.example.com/payments/secret-*'],
  destinations: [{ name: 'prod-*', namespace: 'payments-*' }],
  clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
  namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
};

const app = (repoURL: string, cluster = 'prod-eu', namespace = 'payments-api'): App => ({
  name: 'api',
  project: 'payments',
  sources: [{ repoURL }],
  destination: { name: cluster, namespace },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

const obj = (group: string, kind: string, name: string, namespace?: string): PreparedObject => ({
  object: { apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name, namespace } },
  ref: { group, version: 'v1', kind, name, namespace },
  key: `${group}/${kind}/${namespace ?? ''}/${name}`,
  hookTypes: [],
});

describe('project scope', () => {
  test('allows repos matching a glob (** across slashes, as in Argo CD) unless a ! pattern denies them', () => {
    expect(checkAppScope(app('https://git.example.com/payments/api/deploy.git'), project)).toEqual([]);
    expect(checkAppScope(app('https://git.example.com/payments/secret-keys.git'), project)).toEqual([
      'source repository https://git.example.com/payments/secret-keys.git is not permitted in project payments',
    ]);
    expect(checkAppScope(app('https://git.example.com/other/x.git'), project)).toHaveLength(1);
  });

  test('allows only permitted destinations', () => {
    expect(checkAppScope(app('https://git.example.com/payments/a.git', 'staging-eu'), project)).toEqual([
      'destination staging-eu/payments-api is not permitted in project payments',
    ]);
    expect(
      checkAppScope(app('https://git.example.com/payments/a.git', 'prod-us', 'kube-system'), project),
    ).toHaveLength(1);
  });

  test('refuses cluster-scoped kinds not whitelisted, blacklisted kinds and objects in other namespaces, naming each', () => {
    const set: PreparedSet = {
      resources: [
        obj('', 'ConfigMap', 'ok', 'payments-api'),
        obj('rbac.authorization.k8s.io', 'ClusterRole', 'reader'),
        obj('rbac.authorization.k8s.io', 'ClusterRoleBinding', 'admin'),
        obj('', 'ResourceQuota', 'quota', 'payments-api'),
        obj('', 'Secret', 'stolen', 'kube-system'),
      ],
      hooks: [obj('batch', 'Job', 'migrate', 'default')],
    };
    expect(checkObjectScope(set, app('https://git.example.com/payments/a.git'), project)).toEqual([
      'ClusterRoleBinding/admin: cluster-scoped rbac.authorization.k8s.io/ClusterRoleBinding is not permitted in project payments',
      'ResourceQuota/payments-api/quota: core/ResourceQuota is blacklisted in project payments',
      'Secret/kube-system/stolen: namespace kube-system on cluster prod-eu is not a permitted destination of project payments',
      'Job/default/migrate: namespace default on cluster prod-eu is not a permitted destination of project payments',
    ]);
  });
});
