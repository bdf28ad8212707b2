import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

describe('ignoreDifferences', () => {
  const bed = engineNamespace('eng-ignore');
  const { ns } = bed;

  const web: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
      },
    },
  };
  const options = {
    destinationNamespace: ns,
    // An autoscaler owns the replica count: Git's value is neither a difference nor applied over it.
    ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    respectIgnoreDifferences: true,
    forcePolicy: 'never' as const,
  };

  test('a field changed by another controller is not reported and not taken back, and no conflict arises', async () => {
    let inventory: SyncState['inventory'] = [];
    const first = await runSync(bed.rm, { desired: [{ object: web }], inventory, options });
    inventory = first.inventory;
    expect(first.results.map((r) => r.action)).toEqual(['created']);
    // The way an HPA would: scale through the scale subresource, as another field manager.
    await kubectl(['scale', 'deployment', '-n', ns, 'web', '--replicas=5']);

    const second = await runSync(bed.rm, { desired: [{ object: web }], inventory, options });
    expect(second.phase).toBe('Succeeded');
    expect(second.results.map((r) => r.action)).toEqual(['unchanged']);
    expect(
      JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])).spec.replicas,
    ).toBe(5);

    // Without the rule the same change is a real difference: reported with its diff and put back to
    // Git's value (which is what would flap against an autoscaler).
    const strict = await runSync(bed.rm, {
      desired: [{ object: web }],
      inventory,
      options: { destinationNamespace: ns },
    });
    expect(strict.results.map((r) => r.action)).toEqual(['configured']);
    expect(strict.results[0]?.diff).toContain('-  replicas: 5\n+  replicas: 2');
    expect(
      JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])).spec.replicas,
    ).toBe(2);
  });
});
