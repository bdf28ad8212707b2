import type { IgnoreDifference } from '../../../../shared/engine/diff.js';
import { diffObjects, ignoredPointers, removePointer } from '../../../../shared/engine/diff.js';
import { fixtureObject } from '../fixtures.js';

describe('ignoreDifferences pointers', () => {
  const rules: IgnoreDifference[] = [
    { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
    {
      group: 'apps',
      kind: 'Deployment',
      name: 'web',
      namespace: 'team-a',
      jsonPointers: ['/metadata/labels'],
    },
    { group: 'apps', kind: 'Deployment', name: 'api', jsonPointers: ['/spec/template'] },
    { group: 'apps', kind: 'Deployment', namespace: 'team-b', jsonPointers: ['/spec/selector'] },
    { kind: 'Deployment', jsonPointers: ['/spec/paused'] },
    { kind: 'ConfigMap', jsonPointers: ['/data/generated'] },
    { group: '', kind: 'ConfigMap', jsonPointers: ['/data/stamp'] },
  ];

  test('rules apply when group and kind match and their name and namespace, if set, match too', () => {
    const deployment = fixtureObject('diff-deployment-live.yaml');

    expect(ignoredPointers(deployment, rules)).toEqual(['/spec/replicas', '/metadata/labels']);
  });

  test('a rule without a group matches the core group only', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-a' },
    };

    expect(ignoredPointers(configMap, rules)).toEqual(['/data/generated', '/data/stamp']);
  });

  test('a pointer with ~1 removes a key containing a slash and ~0 one containing a tilde', () => {
    const obj = {
      metadata: {
        annotations: { 'example.com/owner': 'team-a', 'example.com~owner': 'team-b', keep: 'yes' },
      },
    };

    removePointer(obj, '/metadata/annotations/example.com~1owner');
    removePointer(obj, '/metadata/annotations/example.com~0owner');

    expect(obj.metadata.annotations).toEqual({ keep: 'yes' });
  });

  test('~01 means the key "~1", not "/"', () => {
    const obj = { data: { '~1': 'a', '/': 'b' } };

    removePointer(obj, '/data/~01');

    expect(obj.data).toEqual({ '/': 'b' });
  });

  test('array indices walk into and remove from arrays', () => {
    const deployment = fixtureObject('diff-deployment-live.yaml');

    removePointer(deployment, '/spec/template/spec/containers/0/env/1');
    removePointer(deployment, '/status/conditions/0');

    const containers = (deployment.spec as { template: { spec: { containers: { env: unknown[] }[] } } })
      .template.spec.containers;
    expect(containers[0]!.env).toEqual([{ name: 'MODE', value: 'fast' }]);
    expect(deployment.status!.conditions).toEqual([]);
  });

  test('pointers to nothing, out-of-range indices and the root pointer change nothing', () => {
    const deployment = fixtureObject('diff-deployment-live.yaml');
    const before = structuredClone(deployment);

    for (const p of [
      '',
      '/',
      '/spec/missing/deeper',
      '/spec/template/spec/containers/5',
      '/spec/template/spec/containers/-1',
      '/kind/x',
    ]) {
      removePointer(deployment, p);
    }

    expect(deployment).toEqual(before);
  });

  test('a difference only at an ignored pointer is no difference', () => {
    const live = fixtureObject('diff-deployment-live.yaml');
    const predicted = structuredClone(live);
    (predicted.spec as { replicas: number }).replicas = 5;

    expect(diffObjects('Deployment/team-a/web', live, predicted).changed).toBe(true);
    expect(diffObjects('Deployment/team-a/web', live, predicted, ignoredPointers(live, rules))).toEqual({
      changed: false,
      text: '',
    });
  });
});
