// A Discovery stand-in that knows a fixed set of kinds, for tests that need no API server.
import type { Discovery, ResourceInfo } from '../../../shared/engine/discovery.js';

const info = (group: string, version: string, kind: string, resource: string, namespaced: boolean) => ({
  group,
  version,
  kind,
  resource,
  namespaced,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
});

/** v1 ConfigMap/Namespace/Pod/Secret/Service, apps/v1 Deployment, batch/v1 Job, RBAC ClusterRole, CRDs. */
export const knownKinds: ResourceInfo[] = [
  info('', 'v1', 'ConfigMap', 'configmaps', true),
  info('', 'v1', 'Namespace', 'namespaces', false),
  info('', 'v1', 'Pod', 'pods', true),
  info('', 'v1', 'Secret', 'secrets', true),
  info('', 'v1', 'Service', 'services', true),
  info('apps', 'v1', 'Deployment', 'deployments', true),
  info('batch', 'v1', 'Job', 'jobs', true),
  info('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  info('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
];

export interface FakeDiscovery {
  discovery: Discovery;
  /** Every `apiVersion/kind` asked for, in order. */
  lookups: string[];
}

export function fakeDiscovery(kinds: ResourceInfo[] = knownKinds): FakeDiscovery {
  const lookups: string[] = [];
  const byKey = new Map(kinds.map((k) => [`${k.group ? `${k.group}/` : ''}${k.version}/${k.kind}`, k]));
  const fake = {
    resolve: async (apiVersion: string, kind: string): Promise<ResourceInfo | undefined> => {
      lookups.push(`${apiVersion}/${kind}`);
      return byKey.get(`${apiVersion}/${kind}`);
    },
  };
  return { discovery: fake as unknown as Discovery, lookups };
}
