import { ManifestError } from '../../../../shared/engine/errors.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and namespaces', () => {
  test('a namespaced object that names no namespace gets the destination namespace', async () => {
    const { resources } = await prepareObjects(
      fixtureObjects('prepare-app.yaml'),
      fakeDiscovery().discovery,
      {
        destinationNamespace: testNamespace,
      },
    );

    const configMap = resources.find((p) => p.object.kind === 'ConfigMap')!;
    expect(configMap.object.metadata.namespace).toBe('team-a');
    expect(configMap.ref).toEqual({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'team-a',
      name: 'settings',
    });
    expect(configMap.key).toBe('/ConfigMap/team-a/settings');
    expect(configMap.source).toBe('prepare-app.yaml#2');
    expect(configMap.info).toMatchObject({ resource: 'configmaps', namespaced: true });
  });

  test('a namespaced object that names its own namespace keeps it', async () => {
    const { resources } = await prepareObjects(
      fixtureObjects('prepare-app.yaml'),
      fakeDiscovery().discovery,
      {
        destinationNamespace: testNamespace,
      },
    );

    const deployment = resources.find((p) => p.object.kind === 'Deployment')!;
    expect(deployment.object.metadata.namespace).toBe('team-a-canary');
    expect(deployment.key).toBe('apps/Deployment/team-a-canary/web');
  });

  test('a namespaced object without a namespace is an error when the app has no destination namespace', async () => {
    const prepare = prepareObjects(fixtureObjects('prepare-app.yaml'), fakeDiscovery().discovery);

    await expect(prepare).rejects.toThrow(ManifestError);
    await expect(prepare).rejects.toThrow(
      'ConfigMap/settings (prepare-app.yaml#2): namespaced object without a namespace, and the app has no destination namespace',
    );
  });
});
