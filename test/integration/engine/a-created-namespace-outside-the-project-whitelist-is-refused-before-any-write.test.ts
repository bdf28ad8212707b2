import type { App, Project } from '../../../shared/domain/app.js';
import { formatRef, type KubeObject } from '../../../shared/domain/kube-object.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { runSync } from '../../../shared/engine/sync-operation.js';
import { checkObjectScope } from '../../../shared/control/project-scope.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

const settings = {
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    data: { k: 'v' },
  } as KubeObject,
};

const appIn = (namespace: string): App => ({
  name: 'createns',
  project: 'team',
  sources: [{ repoURL: 'https://git.example.com/team/app' }],
  destination: { name: 'testbed', namespace },
  syncPolicy: {
    syncOptions: ['CreateNamespace=true'],
    managedNamespaceMetadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
  },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

const project = (clusterResourceWhitelist: Project['clusterResourceWhitelist']): Project => ({
  name: 'team',
  sourceRepos: ['*'],
  destinations: [{ name: 'testbed', namespace: '*' }],
  clusterResourceWhitelist,
});

describe('CreateNamespace under a project', () => {
  let rm: ResourceManager;
  const created: string[] = [];
  beforeAll(async () => (rm = await testbedResourceManager()));
  afterAll(async () => {
    rm.close();
    for (const ns of created)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const sync = (app: App, p: Project) =>
    runSync(rm, {
      desired: [settings],
      inventory: [],
      options: {
        appName: app.name,
        destinationNamespace: app.destination.namespace,
        createNamespace: true,
        managedNamespaceMetadata: app.syncPolicy.managedNamespaceMetadata,
        admit: (set) => checkObjectScope(set, app, p),
      },
    });

  test('a project without Namespace in its clusterResourceWhitelist refuses the sync and nothing is created', async () => {
    const ns = uniqueName('createns-refused');
    created.push(ns);
    const state = await sync(appIn(ns), project([{ group: 'rbac.authorization.k8s.io', kind: '*' }]));
    expect(state.phase).toBe('Failed');
    expect(state.message).toContain(
      `Namespace/${ns}: cluster-scoped core/Namespace (created by CreateNamespace=true) is not permitted in project team`,
    );
    expect(state.results).toEqual([]);
    await expect(kubectl(['get', 'namespace', ns])).rejects.toThrow(/NotFound|not found/);
  });

  test('a project whitelisting Namespaces lets it create the namespace with its managed metadata', async () => {
    const ns = uniqueName('createns-allowed');
    created.push(ns);
    const state = await sync(appIn(ns), project([{ group: '', kind: 'Namespace' }]));
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => formatRef(r.ref))).toEqual([`ConfigMap/${ns}/settings`]);
    const live = JSON.parse(await kubectl(['get', 'namespace', ns, '-o', 'json']));
    expect(live.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});
