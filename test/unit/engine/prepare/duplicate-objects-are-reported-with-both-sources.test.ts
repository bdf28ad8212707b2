import { ManifestError } from '../../../../shared/engine/errors.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and duplicates', () => {
  test('two objects with the same group, kind, namespace and name are reported naming both sources', async () => {
    const err = await prepareObjects(fixtureObjects('prepare-duplicates.yaml'), fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(ManifestError);
    expect((err as Error).message).toBe(
      [
        '2 invalid object(s):',
        '  ConfigMap/team-a/settings: defined twice (prepare-duplicates.yaml#1 and prepare-duplicates.yaml#4)',
        '  ClusterRole/web-reader: defined twice (prepare-duplicates.yaml#2 and prepare-duplicates.yaml#5)',
      ].join('\n'),
    );
  });

  test('the same name in another namespace is not a duplicate', async () => {
    const [first, , otherNamespace] = fixtureObjects('prepare-duplicates.yaml');

    const { resources } = await prepareObjects([first!, otherNamespace!], fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
    });

    expect(resources.map((p) => p.key)).toEqual([
      '/ConfigMap/team-a/settings',
      '/ConfigMap/team-a-canary/settings',
    ]);
  });
});
