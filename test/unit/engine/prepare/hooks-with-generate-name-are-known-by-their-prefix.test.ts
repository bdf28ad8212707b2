import { prepareObjects } from '../../../../shared/engine/prepare.js';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { testNamespace } from '../fixtures.js';

const job = (annotations: Record<string, string>, generateName = 'migrate-'): KubeObject =>
  ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName, annotations },
    spec: {},
  }) as unknown as KubeObject;

const prepare = (objects: KubeObject[]) =>
  prepareObjects(
    objects.map((object, i) => ({ object, source: `hooks.yaml#${i + 1}` })),
    fakeDiscovery().discovery,
    { destinationNamespace: testNamespace },
  );

describe('generateName hooks in prepare', () => {
  test('a Helm hook may leave naming to the server, as an Argo CD hook may', async () => {
    const { hooks } = await prepare([job({ 'helm.sh/hook': 'pre-upgrade' }, 'db-init-')]);

    expect(hooks.map((h) => [h.ref.name, h.key, h.hookTypes])).toEqual([
      ['db-init-', 'batch/Job/team-a/db-init-*', ['PreSync']],
    ]);
  });

  test('two hook templates with the same prefix stay two hooks, each with its own key', async () => {
    const { hooks } = await prepare([
      job({ 'argocd.argoproj.io/hook': 'PreSync' }),
      job({ 'argocd.argoproj.io/hook': 'PostSync' }),
    ]);

    expect(hooks.map((h) => h.key)).toEqual(['batch/Job/team-a/migrate-*', 'batch/Job/team-a/migrate-*2']);
  });

  test('an ordinary object with generateName is refused, saying generateName is only for hooks', async () => {
    await expect(prepare([job({})])).rejects.toThrow(
      'hooks.yaml#1: metadata.name is missing (metadata.generateName is only taken on hooks)',
    );
  });
});
