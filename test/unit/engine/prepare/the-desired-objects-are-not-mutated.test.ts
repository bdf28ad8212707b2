import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and its input', () => {
  test('namespacing, namespace removal and annotations are made on copies; the desired objects stay as given', async () => {
    const desired = [
      ...fixtureObjects('prepare-app.yaml'),
      ...fixtureObjects('prepare-hooks.yaml'),
      ...fixtureObjects('prepare-crd-and-custom-resources.yaml'),
    ];
    const before = structuredClone(desired);

    const { resources, hooks } = await prepareObjects(desired, fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
      appName: 'web-prod',
    });

    expect(desired).toEqual(before);
    const inputs = new Set<unknown>(desired.flatMap((d) => [d.object, d.object.metadata]));
    for (const p of [...resources, ...hooks]) {
      expect(inputs.has(p.object)).toBe(false);
      expect(inputs.has(p.object.metadata)).toBe(false);
    }
  });
});
