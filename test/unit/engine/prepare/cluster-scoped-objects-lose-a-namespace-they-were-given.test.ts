import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and cluster-scoped objects', () => {
  test('a ClusterRole given a namespace loses it, and a Namespace does not get the destination namespace', async () => {
    const { resources } = await prepareObjects(
      fixtureObjects('prepare-app.yaml'),
      fakeDiscovery().discovery,
      {
        destinationNamespace: testNamespace,
      },
    );

    const clusterRole = resources.find((p) => p.object.kind === 'ClusterRole')!;
    expect(clusterRole.object.metadata).not.toHaveProperty('namespace');
    expect(clusterRole.ref.namespace).toBeUndefined();
    expect(clusterRole.key).toBe('rbac.authorization.k8s.io/ClusterRole//web-reader');
    expect(clusterRole.info).toMatchObject({ resource: 'clusterroles', namespaced: false });

    const namespace = resources.find((p) => p.object.kind === 'Namespace')!;
    expect(namespace.object.metadata).not.toHaveProperty('namespace');
    expect(namespace.key).toBe('/Namespace//team-a');
  });
});
