import { ManifestError } from '../../../../shared/engine/errors.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and custom resources', () => {
  test('a custom resource whose kind the cluster does not serve, with no CRD defining it, is an error', async () => {
    const [, , widget] = fixtureObjects('prepare-crd-and-custom-resources.yaml');

    const prepare = prepareObjects([widget!], fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
    });

    await expect(prepare).rejects.toThrow(ManifestError);
    await expect(prepare).rejects.toThrow(
      'Widget/blue (prepare-crd-and-custom-resources.yaml#3): the cluster does not serve example.com/v1 Widget, and no CustomResourceDefinition in this sync defines it',
    );
  });

  test('custom resources whose CRDs are in the same set are prepared without resource info, scoped as the CRD says', async () => {
    const { resources } = await prepareObjects(
      fixtureObjects('prepare-crd-and-custom-resources.yaml'),
      fakeDiscovery().discovery,
      { destinationNamespace: testNamespace },
    );

    const widget = resources.find((p) => p.object.kind === 'Widget')!;
    expect(widget.info).toBeUndefined();
    expect(widget.object.metadata.namespace).toBe('team-a');
    expect(widget.key).toBe('example.com/Widget/team-a/blue');

    const rack = resources.find((p) => p.object.kind === 'Rack')!;
    expect(rack.info).toBeUndefined();
    expect(rack.object.metadata).not.toHaveProperty('namespace');
    expect(rack.key).toBe('example.com/Rack//rack-1');

    const crds = resources.filter((p) => p.object.kind === 'CustomResourceDefinition');
    expect(crds.map((p) => p.info?.resource)).toEqual([
      'customresourcedefinitions',
      'customresourcedefinitions',
    ]);
  });

  test('a custom resource in a version its CRD does not define is an error', async () => {
    const [crd, , widget] = fixtureObjects('prepare-crd-and-custom-resources.yaml');
    const v2 = { ...widget!, object: { ...widget!.object, apiVersion: 'example.com/v2' } };

    await expect(
      prepareObjects([crd!, v2], fakeDiscovery().discovery, { destinationNamespace: testNamespace }),
    ).rejects.toThrow('the cluster does not serve example.com/v2 Widget');
  });
});
