import { ManifestError } from '../../../../shared/engine/errors.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects error reporting', () => {
  test('a missing kind, an unknown kind, a duplicate and a bad hook are reported together in one ManifestError', async () => {
    const err = await prepareObjects(
      fixtureObjects('prepare-many-problems.yaml'),
      fakeDiscovery().discovery,
      {
        destinationNamespace: testNamespace,
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(ManifestError);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('4 invalid object(s):');
    expect(lines.slice(1)).toEqual([
      '  prepare-many-problems.yaml#2: kind is missing',
      '  Gadget/unknown-kind (prepare-many-problems.yaml#3): the cluster does not serve example.com/v1 Gadget, and no CustomResourceDefinition in this sync defines it',
      '  ConfigMap/team-a/settings: defined twice (prepare-many-problems.yaml#1 and prepare-many-problems.yaml#4)',
      expect.stringMatching(
        /^ {2}Deployment\/bad-hook\b.*: unknown hook type "Presync" in argocd\.argoproj\.io\/hook$/,
      ),
    ]);
  });
});
