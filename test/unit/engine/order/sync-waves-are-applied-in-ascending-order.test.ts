import { ManifestError } from '../../../../shared/engine/errors.js';
import { groupByWave } from '../../../../shared/engine/order.js';
import { fixtureObjects, objectWith } from '../fixtures.js';

describe('groupByWave', () => {
  test('waves come in ascending numeric order, not string order, each sorted for apply', () => {
    const waves = groupByWave(fixtureObjects('order-waves.yaml'), (d) => d.object);

    expect(
      waves.map((w) => [w.wave, w.items.map((d) => `${d.object.kind}/${d.object.metadata.name}`)]),
    ).toEqual([
      [-10, ['Namespace/team-a']],
      [-1, ['ConfigMap/settings']],
      [0, ['ServiceAccount/web', 'ConfigMap/feature-flags', 'Service/web']],
      [2, ['Job/seed']],
      [10, ['Deployment/web']],
    ]);
  });

  test('no items make no waves', () => {
    expect(groupByWave([], (o) => o)).toEqual([]);
  });

  test('an invalid wave is a ManifestError naming the object', () => {
    const bad = objectWith('ConfigMap', { 'argocd.argoproj.io/sync-wave': 'first' }, { name: 'settings' });

    expect(() => groupByWave([bad], (o) => o)).toThrow(ManifestError);
    expect(() => groupByWave([bad], (o) => o)).toThrow('ConfigMap/team-a/settings');
  });
});
