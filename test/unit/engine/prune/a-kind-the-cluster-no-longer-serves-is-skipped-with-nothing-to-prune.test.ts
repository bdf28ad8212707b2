import { kindNotServed } from '../../../../shared/engine/prune-filters.js';
import { candidate, liveObjects, options } from './support.js';

describe('the kind-not-served prune filter', () => {
  test('holds an object whose kind the cluster stopped serving (its CRD was deleted), saying nothing is left to prune', () => {
    const widget = {
      ref: { group: 'example.com', version: 'v1', kind: 'Widget', namespace: 'team-a', name: 'blue' },
      served: false,
    };

    expect(kindNotServed.name).toBe('kind-not-served');
    expect(kindNotServed.hold(widget, options())).toBe(
      'kind no longer served by the cluster; nothing to prune',
    );
  });

  test('lets an object of a served kind through, and a confirmed prune changes nothing', () => {
    const plain = candidate(liveObjects().get('plain')!);

    expect(kindNotServed.hold(plain, options())).toBeUndefined();
    expect(kindNotServed.hold(plain, options({ confirmPrune: true }))).toBeUndefined();
  });
});
