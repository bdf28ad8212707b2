import type { ObjectRef } from '../../../../shared/domain/kube-object.js';
import { dataBearingKind } from '../../../../shared/engine/prune-filters.js';
import { candidate, liveObjects, options } from './support.js';

const ref = (group: string, kind: string, name = 'data'): ObjectRef => ({ group, version: 'v1', kind, name });

describe('the data-bearing-kind prune filter', () => {
  test.each([
    ['', 'Namespace'],
    ['', 'PersistentVolumeClaim'],
    ['', 'PersistentVolume'],
    ['apiextensions.k8s.io', 'CustomResourceDefinition'],
  ])('holds a %s/%s prune that nobody confirmed, naming the kind', (group, kind) => {
    expect(dataBearingKind.name).toBe('data-bearing-kind');
    expect(dataBearingKind.hold({ ref: ref(group, kind), served: true }, options())).toBe(
      `held for confirmation (${kind} prunes take data with them); run a manual sync with prune to delete it`,
    );
  });

  test('the Namespace and the CRD of the fixture are held; a confirmed prune lets them through', () => {
    const live = liveObjects();
    for (const name of ['team-a', 'widgets.example.com']) {
      expect(dataBearingKind.hold(candidate(live.get(name)!), options())).toMatch(/^held for confirmation/);
      expect(
        dataBearingKind.hold(candidate(live.get(name)!), options({ confirmPrune: true })),
      ).toBeUndefined();
    }
  });

  test('a same-named kind in another group, and ordinary kinds, are not held', () => {
    for (const r of [
      ref('example.com', 'Namespace'),
      ref('example.com', 'CustomResourceDefinition'),
      ref('apiextensions.k8s.io', 'Namespace'),
      ref('', 'ConfigMap'),
      ref('apps', 'StatefulSet'),
      ref('', 'namespace'),
    ]) {
      expect(dataBearingKind.hold({ ref: r, served: true }, options())).toBeUndefined();
    }
  });
});
