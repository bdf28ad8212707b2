import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and the tracking annotation', () => {
  test('with an appName every resource and hook carries gitferry.dev/app, beside its own annotations', async () => {
    const discovery = fakeDiscovery().discovery;
    const app = await prepareObjects(fixtureObjects('prepare-app.yaml'), discovery, {
      destinationNamespace: testNamespace,
      appName: 'web-prod',
    });
    const withHooks = await prepareObjects(fixtureObjects('prepare-hooks.yaml'), discovery, {
      destinationNamespace: testNamespace,
      appName: 'web-prod',
    });

    for (const p of [...app.resources, ...withHooks.resources, ...withHooks.hooks]) {
      expect(p.object.metadata.annotations?.['gitferry.dev/app']).toBe('web-prod');
    }
    const deployment = app.resources.find((p) => p.object.kind === 'Deployment')!;
    expect(deployment.object.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '1',
      'gitferry.dev/app': 'web-prod',
    });
  });

  test('without an appName no annotation is added', async () => {
    const { resources } = await prepareObjects(
      fixtureObjects('prepare-app.yaml'),
      fakeDiscovery().discovery,
      {
        destinationNamespace: testNamespace,
      },
    );

    const configMap = resources.find((p) => p.object.kind === 'ConfigMap')!;
    expect(configMap.object.metadata).not.toHaveProperty('annotations');
  });
});
