import { compareForApply, compareForDelete, isFoundation } from '../../../../shared/engine/order.js';
import { refOf } from '../../../../shared/domain/kube-object.js';
import { fixtureKubeObjects, objectWith } from '../fixtures.js';

describe('compareForApply', () => {
  test('Namespace < ServiceAccount < ConfigMap < CRD < Service < Deployment < custom kinds by name', () => {
    const sorted = fixtureKubeObjects('order-mixed.yaml').sort(compareForApply);

    expect(sorted.map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ConfigMap',
      'CustomResourceDefinition',
      'Service',
      'Deployment',
      'Gadget',
      'Widget',
    ]);
  });

  test('objects of one kind are ordered by namespace, then name', () => {
    const objects = [
      objectWith('ConfigMap', {}, { name: 'b', namespace: 'team-b' }),
      objectWith('ConfigMap', {}, { name: 'z', namespace: 'team-a' }),
      objectWith('ConfigMap', {}, { name: 'a', namespace: 'team-b' }),
      objectWith('ConfigMap', {}, { name: 'c', namespace: 'team-a' }),
    ];

    expect(objects.sort(compareForApply).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'team-a/c',
      'team-a/z',
      'team-b/a',
      'team-b/b',
    ]);
  });

  test('kinds and names outside the rank list compare by code unit, as Argo CD compares them in Go', () => {
    const objects = [
      objectWith('widget', {}, { name: 'a' }),
      objectWith('Widget', {}, { name: 'b' }),
      objectWith('Widget', {}, { name: 'a.1' }),
      objectWith('Zebra', {}, { name: 'a' }),
    ];

    // localeCompare puts widget before Zebra (case folded); Go's < and this order do not.
    expect(objects.sort(compareForApply).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Widget/a.1',
      'Widget/b',
      'Zebra/a',
      'widget/a',
    ]);
  });

  test('compareForDelete is the reverse, by ref: custom resources and Deployments go before what they need', () => {
    const sorted = fixtureKubeObjects('order-mixed.yaml').map(refOf).sort(compareForDelete);

    expect(sorted.map((o) => o.kind)).toEqual([
      'Widget',
      'Gadget',
      'Deployment',
      'Service',
      'CustomResourceDefinition',
      'ConfigMap',
      'ServiceAccount',
      'Namespace',
    ]);
  });

  test('Namespaces and CRDs are foundations; a same-named kind in another group is not', () => {
    const objects = fixtureKubeObjects('order-mixed.yaml');

    expect(objects.filter(isFoundation).map((o) => o.kind)).toEqual([
      'CustomResourceDefinition',
      'Namespace',
    ]);
    expect(isFoundation(objectWith('Namespace', {}, { apiVersion: 'example.com/v1' }))).toBe(false);
  });
});
