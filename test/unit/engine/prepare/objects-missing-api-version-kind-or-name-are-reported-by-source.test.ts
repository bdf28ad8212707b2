import { ManifestError } from '../../../../shared/engine/errors.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and incomplete objects', () => {
  test('objects missing apiVersion, kind or metadata.name are each reported with their source', async () => {
    const err = await prepareObjects(fixtureObjects('prepare-incomplete.yaml'), fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).code).toBe('manifest-invalid');
    expect((err as ManifestError).message).toBe(
      [
        '3 invalid object(s):',
        '  prepare-incomplete.yaml#2: apiVersion is missing',
        '  prepare-incomplete.yaml#3: kind is missing',
        '  prepare-incomplete.yaml#4: metadata.name is missing',
      ].join('\n'),
    );
  });

  test('an object given without a source is named by its position', async () => {
    const [, noApiVersion] = fixtureObjects('prepare-incomplete.yaml');

    await expect(
      prepareObjects([{ object: noApiVersion!.object }], fakeDiscovery().discovery, {
        destinationNamespace: testNamespace,
      }),
    ).rejects.toThrow('object #1: apiVersion is missing');
  });

  test('a document that is not an object is reported, not thrown on', async () => {
    await expect(
      prepareObjects(
        [{ object: 'just a string' as never, source: 'values.yaml#1' }],
        fakeDiscovery().discovery,
      ),
    ).rejects.toThrow('values.yaml#1: not an object');
  });
});
