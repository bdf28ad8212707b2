import { normalize } from '../../../../shared/engine/diff.js';
import { fixtureObject } from '../fixtures.js';

describe('normalize', () => {
  test('managedFields, resourceVersion, uid, generation, creationTimestamp, selfLink and status are dropped', () => {
    const live = fixtureObject('diff-deployment-live.yaml');

    const n = normalize(live);

    expect(n.metadata).toEqual({
      name: 'web',
      namespace: 'team-a',
      labels: { 'app.kubernetes.io/name': 'web' },
      annotations: { 'gitferry.dev/app': 'web-prod' },
    });
    expect(n).not.toHaveProperty('status');
    expect(n.spec).toEqual(live.spec);
  });

  test('empty labels and annotations are dropped, as the server omits them', () => {
    const n = normalize({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-a', labels: {}, annotations: {} },
      data: { mode: 'fast' },
    });

    expect(n).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-a' },
      data: { mode: 'fast' },
    });
  });

  test('the object given is not changed', () => {
    const live = fixtureObject('diff-deployment-live.yaml');
    const before = structuredClone(live);

    normalize(live);

    expect(live).toEqual(before);
  });
});
